"""The soak's verdicts: the store against what the clients were told, the exchange against the
store, and the read models against a fresh rebuild. Each returns the problems it found."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, select

from adapters.read_models.schema import generation, pointer_table
from application.envelope import StoredEvent
from application.ports import EventStore
from tests.rabbitmq_broker import Delivery
from tests.soak.workload import AMQP_KEY_PREFIX, HTTP_KEY_PREFIX, REFUSED, Outcome, amqp_reply_bodies_agree

MAX_LISTED = 20


def every_event(store: EventStore) -> list[StoredEvent]:
    """The whole feed, shard by shard, in feed order."""
    events: list[StoredEvent] = []
    for shard in range(store.feed_shards()):
        position = 0
        while page := store.read_feed(shard, position, 1000):
            events += page
            position = page[-1].position
    return events


def command_key(event: StoredEvent) -> str:
    """The key of the command that appended the event (see `workload`), or '' if none of ours."""
    if event.correlation_id.startswith(HTTP_KEY_PREFIX):
        return event.correlation_id
    if event.causation_id.startswith(AMQP_KEY_PREFIX):
        return event.causation_id
    return ""


def check_store(outcomes: list[Outcome], events: list[StoredEvent]) -> list[str]:
    """Every accepted command has exactly its events, once, ending at the version it was told;
    a refused one has none; every event belongs to a command a client sent; each command
    ended as it was meant to."""
    problems: list[str] = []
    by_key: dict[str, list[StoredEvent]] = defaultdict(list)
    for event in events:
        by_key[command_key(event)].append(event)
    ids = Counter(event.event_id for event in events)
    problems += [f"event {event_id} is stored {count} times" for event_id, count in ids.items() if count > 1]
    slots = Counter((event.entity_id, event.sequence_number) for event in events)
    problems += [f"{slot} holds {count} events" for slot, count in slots.items() if count > 1]
    known = {outcome.key for outcome in outcomes}
    problems += [f"{len(orphans)} events of no command sent, e.g. {orphans[0]}"
                 for orphans in [[e for key, group in by_key.items() if key not in known for e in group]] if orphans]
    for outcome in outcomes:
        step, mine = outcome.step, by_key.get(outcome.key, [])
        meant = "rejected" if step.events == REFUSED else "accepted"
        where = f"{outcome.transport} {step.command_type} {outcome.key}"
        if outcome.status != meant:
            problems.append(f"{where}: {outcome.status}, meant to be {meant} ({outcome.detail or 'no detail'})")
        if outcome.transport == "amqp" and not amqp_reply_bodies_agree(outcome):
            problems.append(f"{where}: the replies differ: {outcome.replies}")
        if outcome.status == "accepted":
            expected = step.events if step.events != REFUSED else 0
            if len(mine) != expected:
                problems.append(f"{where}: {len(mine)} events stored, expected {expected} exactly once")
            if any(event.entity_id != step.stream for event in mine):
                problems.append(f"{where}: events on another stream than {step.stream}")
            if outcome.entity_id not in (None, step.stream):
                problems.append(f"{where}: answered for {outcome.entity_id}, not {step.stream}")
            if mine and outcome.version is not None and max(e.sequence_number for e in mine) != outcome.version:
                problems.append(f"{where}: told version {outcome.version}, its last event is "
                                f"{max(e.sequence_number for e in mine)}")
        elif mine:
            problems.append(f"{where}: {outcome.status}, yet {len(mine)} events of it are stored")
    return problems


@dataclass(frozen=True)
class ExchangeCount:
    received: int
    distinct: int
    duplicates: int


def check_exchange(deliveries: list[Delivery], events: list[StoredEvent]) -> tuple[ExchangeCount, list[str]]:
    """Every stored event reached the exchange; a second copy only as a re-send (the same
    message_id and body); each entity's events first arrived in sequence order; nothing else."""
    problems: list[str] = []
    first: dict[str, Delivery] = {}
    order: dict[str, list[int]] = defaultdict(list)
    for delivery in deliveries:
        message_id = delivery.properties.message_id
        if delivery.json.get("eventId") != message_id:
            problems.append(f"message_id {message_id} carries event {delivery.json.get('eventId')}")
        if message_id in first:
            if delivery.body != first[message_id].body:
                problems.append(f"a re-sent copy of {message_id} differs from the first")
            continue
        first[message_id] = delivery
        order[delivery.json["entityId"]].append(delivery.json["sequenceNumber"])
    stored = {event.event_id for event in events}
    missing, unknown = stored - set(first), set(first) - stored
    if missing:
        problems.append(f"{len(missing)} stored events never reached the exchange, e.g. {sorted(missing)[:3]}")
    if unknown:
        problems.append(f"{len(unknown)} published events are not in the store, e.g. {sorted(unknown)[:3]}")
    for entity_id, sequence in order.items():
        if sequence != list(range(1, len(sequence) + 1)):
            problems.append(f"{entity_id} first arrived in the order {sequence}")
    return ExchangeCount(len(deliveries), len(first), len(deliveries) - len(first)), problems


Tables = dict[str, list[tuple[Any, ...]]]


def read_model_tables(engine: Engine) -> Tables:
    """Every row of the live generation's tables, by table name (without the generation)."""
    with engine.connect() as connection:
        live = connection.scalar(select(pointer_table(None).c.generation))
        tables = generation(int(live), None).tables
        return {name: [_hashable(row) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for name, table in tables.items()}


def _hashable(row: Iterable[Any]) -> tuple[Any, ...]:
    """A row with its JSON values as (sorted) JSON text, so that rows can be compared as sets."""
    return tuple(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if isinstance(value, dict | list)
                 else value for value in row)


def compare(label: str, before: Any, after: Any) -> list[str]:
    return [] if before == after else [f"{label} differ from a fresh rebuild"]


def compare_tables(live: Tables, rebuilt: Tables) -> list[str]:
    problems = []
    for name in sorted(set(live) | set(rebuilt)):
        old, new = set(live.get(name, [])), set(rebuilt.get(name, []))
        if old != new:
            problems.append(f"read model table {name}: {len(old - new)} rows only live, e.g. "
                            f"{_some(old - new)}; {len(new - old)} rows only rebuilt, e.g. {_some(new - old)}")
    return problems


def _some(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)[:2]


def listed(problems: list[str]) -> str:
    shown = "\n  ".join(problems[:MAX_LISTED])
    more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return f"{len(problems)} problems:\n  {shown}{more}"
