"""Checks an event store's integrity through its port: every stream numbered 1..n without gaps
or duplicates, every feed shard's positions contiguous from 1, each event in the feed once."""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from application.envelope import StoredEvent
from application.ports import EventStore

PAGE = 1000
Advance = Callable[[int], None]


@dataclass
class StoreCheck:
    streams: Counter[str] = field(default_factory=Counter)  # aggregate type -> streams
    events: int = 0
    feed_events: dict[int, int] = field(default_factory=dict)  # shard -> events
    problems: list[str] = field(default_factory=list)


def check_store(store: EventStore, entity_ids: Sequence[str], on_stream: Advance | None = None) -> StoreCheck:
    """Every problem found, with the counts; `entity_ids` are every stream of the store (in
    `stream_ids`), `on_stream` hears how many of them are checked so far."""
    check = StoreCheck()
    locations: dict[str, tuple[str, int]] = {}  # event id -> (stream, sequence number)
    for done, entity_id in enumerate(entity_ids, start=1):
        events = store.load(entity_id)
        check.events += len(events)
        check.streams[events[0].aggregate_type if events else "?"] += 1
        check.problems.extend(_stream_problems(entity_id, events))
        locations.update((event.event_id, (entity_id, event.sequence_number)) for event in events)
        if on_stream:
            on_stream(done)
    seen: Counter[str] = Counter()
    for shard in range(store.feed_shards()):
        check.feed_events[shard] = _check_shard(store, shard, locations, seen, check.problems)
    check.problems.extend(f"event {event_id} of stream {stream} (sequence {sequence}) is not in the feed"
                          for event_id, (stream, sequence) in locations.items() if not seen[event_id])
    check.problems.extend(f"event {event_id} is in the feed {times} times"
                          for event_id, times in seen.items() if times > 1)
    return check


def _stream_problems(entity_id: str, events: list[StoredEvent]) -> list[str]:
    numbers = [event.sequence_number for event in events]
    problems = []
    if not numbers:
        problems.append(f"stream {entity_id} is listed but has no events")
    if missing := _gaps(sorted(set(numbers))):
        problems.append(f"stream {entity_id}: sequence numbers missing: {missing}")
    repeated = sorted(number for number, times in Counter(numbers).items() if times > 1)
    if repeated:
        problems.append(f"stream {entity_id}: sequence numbers repeated: {', '.join(map(str, repeated))}")
    if any(number < 1 for number in numbers):
        problems.append(f"stream {entity_id}: sequence numbers below 1")
    types = sorted({event.aggregate_type for event in events})
    if len(types) > 1:
        problems.append(f"stream {entity_id} mixes aggregate types: {', '.join(types)}")
    return problems


def _check_shard(store: EventStore, shard: int, locations: dict[str, tuple[str, int]],
                 seen: Counter[str], problems: list[str]) -> int:
    after, count = 0, 0
    while page := store.read_feed(shard, before := after, PAGE):
        for event in page:
            count += 1
            seen[event.event_id] += 1
            if event.position > after + 1:
                problems.append(f"feed shard {shard}: positions missing: {_span(after + 1, event.position - 1)}")
            elif event.position <= after:
                problems.append(f"feed shard {shard}: position {event.position} repeated or out of order")
            after = max(after, event.position)
            if locations.get(event.event_id) != (event.entity_id, event.sequence_number):
                problems.append(f"feed shard {shard} position {event.position}: event {event.event_id} "
                                f"is not sequence {event.sequence_number} of stream {event.entity_id}")
        if after == before:  # a store that answers a page with nothing newer would loop forever
            problems.append(f"feed shard {shard} does not advance past position {after}")
            break
    if (head := store.feed_head(shard)) > after:  # readers stop at a gap, so what follows it is unseen
        problems.append(f"feed shard {shard}: positions missing: {after + 1} and maybe more "
                        f"(readers stop there; the shard's head is at {head})")
    return count


def _gaps(numbers: list[int]) -> str:
    """The numbers missing from 1..max of sorted distinct numbers: [2, 3, 7] -> '1, 4-6'."""
    spans, previous = [], 0
    for number in numbers:
        if number > previous + 1:
            spans.append(_span(previous + 1, number - 1))
        previous = max(previous, number)
    return ", ".join(spans)


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"
