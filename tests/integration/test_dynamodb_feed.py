"""The DynamoDB feed over several shards, against a moto server over HTTP.

The shared contract covers one writer process; these tests cover what only several shards and
several writer processes show: stable shard choice, gap-free positions per shard, readers and the outbox.
"""

import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest

from adapters.dynamodb import DynamoDBEventStore
from application.envelope import StoredEvent
from application.errors import ConcurrencyError
from tests.contract.stream_builders import events_for, new_id

SHARDS = 4


@pytest.fixture
def store(client: Any, table: str) -> DynamoDBEventStore:
    return DynamoDBEventStore(client, table, shards=SHARDS)


def test_each_entity_keeps_to_one_shard_and_each_shard_counts_from_one(store: DynamoDBEventStore) -> None:
    entities = [new_id() for _ in range(12)]
    for entity in entities:
        store.append(entity, 0, events_for(entity, 1, 2))
    for entity in entities:
        store.append(entity, 2, events_for(entity, 3, 1))
    for entity in entities:
        assert {event.shard for event in store.load(entity)} == {store.shard_of(entity)}
    feed = whole_feed(store)
    assert len({event.shard for event in feed}) > 1
    for shard in range(SHARDS):
        mine = [entity for entity in entities if store.shard_of(entity) == shard]
        in_commit_order = [(entity, n) for entity in mine for n in (1, 2)] + [(entity, 3) for entity in mine]
        in_shard = [event for event in feed if event.shard == shard]
        assert [(event.entity_id, event.sequence_number) for event in in_shard] == in_commit_order
        assert [event.position for event in in_shard] == list(range(1, len(in_shard) + 1))


def test_a_reader_tailing_every_shard_during_concurrent_writes_misses_nothing(store: DynamoDBEventStore) -> None:
    streams = [new_id() for _ in range(8)]
    done = threading.Event()
    seen: dict[int, list[StoredEvent]] = defaultdict(list)

    def tail() -> None:
        after = [0] * SHARDS
        while True:
            finished, caught_up = done.is_set(), True
            for shard in range(SHARDS):
                if page := store.read_feed(shard, after[shard], limit=20):
                    seen[shard] += page
                    after[shard], caught_up = page[-1].position, False
            if finished and caught_up:
                return

    reader = threading.Thread(target=tail)
    reader.start()
    run_together([lambda t=t: append_many(store, streams[t::4], 30) for t in range(4)])
    done.set()
    reader.join()
    for events in seen.values():
        assert [event.position for event in events] == list(range(1, len(events) + 1))
    assert sorted(e.event_id for events in seen.values() for e in events) == sorted(
        e.event_id for e in whole_feed(store))
    assert sum(len(events) for events in seen.values()) == 120


def test_writers_in_two_processes_keep_every_shard_gap_free(client: Any, table: str) -> None:
    first, second = (DynamoDBEventStore(client, table, shards=SHARDS) for _ in range(2))
    streams = [new_id() for _ in range(8)]
    run_together([lambda s=s, t=t: append_many(s, streams[t::4], 20)
                  for t, s in enumerate([first, second, first, second])])
    feed = whole_feed(first)
    assert len(feed) == 80
    for shard in range(SHARDS):
        positions = [event.position for event in feed if event.shard == shard]
        assert positions == list(range(1, len(positions) + 1))
    for stream in streams:
        assert [event.sequence_number for event in first.load(stream)] == list(range(1, 11))


def test_the_outbox_serves_every_shard_and_checkpoints_each_over_published_runs_only(
        store: DynamoDBEventStore) -> None:
    entities = entities_in_distinct_shards(store, 2)
    committed = [event for entity in entities for event in store.append(entity, 0, events_for(entity, 1, 3))]
    assert sorted(e.event_id for e in store.pending()) == sorted(e.event_id for e in committed)
    first_shard = [e for e in committed if e.entity_id == entities[0]]
    second_shard = [e for e in committed if e.entity_id == entities[1]]

    store.mark_published([first_shard[0], first_shard[2], second_shard[0]])

    assert {e.event_id for e in store.pending()} == {e.event_id for e in first_shard[1:] + second_shard[1:]}
    store.mark_published(first_shard[1:])
    assert {e.event_id for e in store.pending()} == {e.event_id for e in second_shard[1:]}


def test_a_page_of_pending_events_keeps_each_shard_in_feed_order(store: DynamoDBEventStore) -> None:
    entities = entities_in_distinct_shards(store, 3)
    for entity in entities:
        store.append(entity, 0, events_for(entity, 1, 4))
    page = store.pending(limit=7)
    assert len(page) == 7
    for shard in {event.shard for event in page}:
        positions = [event.position for event in page if event.shard == shard]
        assert positions == list(range(1, len(positions) + 1))


def append_many(store: DynamoDBEventStore, streams: list[str], appends: int) -> None:
    """Appends one event at a time to the streams in turn, catching up after each conflict."""
    versions = {stream: len(store.load(stream)) for stream in streams}
    for n in range(appends):
        stream = streams[n % len(streams)]
        while True:
            try:
                store.append(stream, versions[stream], events_for(stream, versions[stream] + 1, 1))
                break
            except ConcurrencyError:
                versions[stream] = len(store.load(stream))
        versions[stream] += 1


def entities_in_distinct_shards(store: DynamoDBEventStore, count: int) -> list[str]:
    by_shard: dict[int, str] = {}
    while len(by_shard) < count:
        entity = new_id()
        by_shard.setdefault(store.shard_of(entity), entity)
    return list(by_shard.values())


def whole_feed(store: DynamoDBEventStore) -> list[StoredEvent]:
    events: list[StoredEvent] = []
    for shard in range(store.feed_shards()):
        after = 0
        while page := store.read_feed(shard, after, limit=50):
            events += page
            after = page[-1].position
    return events


def run_together(targets: list[Callable[[], None]]) -> None:
    start = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        start.wait()
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
