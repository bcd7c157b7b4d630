"""The contract every event store passes: subclass, supply `make_stores`, and nothing else.

The class has no `Test` prefix, so pytest collects it only through its subclasses.
"""

import abc
import threading
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from application.envelope import IndexChanges, Snapshot, StoredEvent, StreamWrite
from application.errors import (
    AppendRefused,
    ConcurrencyError,
    MissingReference,
    StillReferenced,
    UniquenessViolation,
)
from application.ports import EventStore, Outbox, SnapshotStore
from tests.contract.stream_builders import EPOCH, events_for, new_id, price_event

WRITER_THREADS = 8
APPENDS_PER_THREAD = 200
SHARED_STREAMS = 4


class EventStoreContract(abc.ABC):
    @abc.abstractmethod
    def make_stores(self, tmp_path: Path) -> tuple[EventStore, SnapshotStore]:
        """A fresh, empty event store and the snapshot store beside it."""

    @pytest.fixture
    def stores(self, tmp_path: Path) -> tuple[EventStore, SnapshotStore]:
        return self.make_stores(tmp_path)

    @pytest.fixture
    def store(self, stores: tuple[EventStore, SnapshotStore]) -> EventStore:
        return stores[0]

    @pytest.fixture
    def snapshots(self, stores: tuple[EventStore, SnapshotStore]) -> SnapshotStore:
        return stores[1]

    # streams

    def test_an_appended_event_loads_back_with_every_envelope_field(self, store: EventStore) -> None:
        entity = new_id()
        event = price_event(entity, 1, amount="19.99")
        store.append(entity, 0, [event])
        (loaded,) = store.load(entity)
        assert loaded._replace(position=0, shard=0) == event
        assert loaded.data == {"productId": entity, "currency": "EUR", "amount": "19.99",
                               "previousAmount": "1.00", "effectiveFrom": "2026-03-01T12:00:00.000Z"}
        assert loaded.timestamp == EPOCH + timedelta(seconds=1)
        assert loaded.position >= 1

    def test_an_unknown_stream_loads_empty(self, store: EventStore) -> None:
        assert store.load(new_id()) == []

    def test_a_version_already_written_is_never_overwritten(self, store: EventStore) -> None:
        entity = new_id()
        first = price_event(entity, 1, amount="1.00")
        store.append(entity, 0, [first])
        with pytest.raises(ConcurrencyError):
            store.append(entity, 0, [price_event(entity, 1, amount="2.00")])
        assert [e.event_id for e in store.load(entity)] == [first.event_id]

    def test_an_append_at_a_stale_expected_version_is_a_conflict(self, store: EventStore) -> None:
        entity = new_id()
        store.append(entity, 0, events_for(entity, 1, 3))
        with pytest.raises(ConcurrencyError):
            store.append(entity, 2, events_for(entity, 3, 1))
        with pytest.raises(ConcurrencyError):
            store.append(entity, 5, events_for(entity, 6, 1))
        assert len(store.load(entity)) == 3

    def test_events_that_do_not_continue_the_expected_version_are_refused(self, store: EventStore) -> None:
        entity = new_id()
        with pytest.raises(AppendRefused):
            store.append(entity, 0, [price_event(entity, 2)])
        assert store.load(entity) == []

    def test_a_multi_event_append_is_all_or_nothing(self, store: EventStore) -> None:
        moved, other = new_id(), new_id()
        store.append(moved, 0, events_for(moved, 1, 1))
        batch = [StreamWrite(other, 0, tuple(events_for(other, 1, 5))),
                 StreamWrite(moved, 0, tuple(events_for(moved, 1, 2)))]
        with pytest.raises(ConcurrencyError):
            store.commit(batch)
        assert store.load(other) == []
        assert len(store.load(moved)) == 1

    def test_a_write_without_events_only_checks_its_stream_in_the_same_commit(self, store: EventStore) -> None:
        read, written = new_id(), new_id()
        store.append(read, 0, events_for(read, 1, 2))
        store.commit([StreamWrite(read, 2, ()), StreamWrite(written, 0, tuple(events_for(written, 1, 1)))])
        store.append(read, 2, events_for(read, 3, 1))  # the stream read moves on

        with pytest.raises(ConcurrencyError):
            store.commit([StreamWrite(read, 2, ()), StreamWrite(written, 1, tuple(events_for(written, 2, 1)))])
        assert [e.sequence_number for e in store.load(read)] == [1, 2, 3]
        assert [e.sequence_number for e in store.load(written)] == [1]
        assert sum(1 for e in _whole_feed(store) if e.entity_id in (read, written)) == 4

    def test_loads_respect_version_bounds(self, store: EventStore) -> None:
        entity = new_id()
        store.append(entity, 0, events_for(entity, 1, 10))
        assert [e.sequence_number for e in store.load(entity, after_version=7)] == [8, 9, 10]
        assert [e.sequence_number for e in store.load(entity, up_to_version=3)] == [1, 2, 3]
        assert [e.sequence_number for e in store.load(entity, 4, 6)] == [5, 6]

    def test_a_load_as_of_a_moment_includes_exactly_the_events_recorded_by_then(self, store: EventStore) -> None:
        entity = new_id()
        store.append(entity, 0, events_for(entity, 1, 10))
        as_of = EPOCH + timedelta(seconds=4)
        assert [e.sequence_number for e in store.load(entity, up_to_time=as_of)] == [1, 2, 3, 4]
        assert store.load(entity, up_to_time=EPOCH) == []

    def test_stream_ids_lists_every_stream(self, store: EventStore) -> None:
        entities = {new_id() for _ in range(3)}
        for entity in entities:
            store.append(entity, 0, events_for(entity, 1, 2))
        assert entities <= set(store.stream_ids())

    # the feed and the outbox

    def test_the_feed_holds_every_event_in_commit_order(self, store: EventStore) -> None:
        first, second = new_id(), new_id()
        store.append(first, 0, events_for(first, 1, 2))
        store.append(second, 0, events_for(second, 1, 1))
        store.append(first, 2, events_for(first, 3, 1))
        expected = [(first, 1), (first, 2), (second, 1), (first, 3)]
        feed = _whole_feed(store)
        for shard in {_shard_of(store, first), _shard_of(store, second)}:
            in_shard = [(e.entity_id, e.sequence_number) for e in feed if e.shard == shard]
            assert in_shard == [(entity, n) for entity, n in expected if _shard_of(store, entity) == shard]

    def test_the_feed_pages_by_position(self, store: EventStore) -> None:
        entity = new_id()
        store.append(entity, 0, events_for(entity, 1, 7))
        shard = _shard_of(store, entity)
        page = store.read_feed(shard, 0, limit=3)
        rest = store.read_feed(shard, page[-1].position, limit=100)
        assert [e.sequence_number for e in page + rest] == list(range(1, 8))

    def test_each_shard_head_is_its_last_position(self, store: EventStore) -> None:
        assert [store.feed_head(shard) for shard in range(store.feed_shards())] == [0] * store.feed_shards()
        for _ in range(3):
            entity = new_id()
            store.append(entity, 0, events_for(entity, 1, 2))
        feed = _whole_feed(store)
        for shard in range(store.feed_shards()):
            assert store.feed_head(shard) == max((e.position for e in feed if e.shard == shard), default=0)

    def test_the_outbox_holds_each_committed_event_until_published(self, store: EventStore) -> None:
        assert isinstance(store, Outbox)
        entity = new_id()
        committed = store.append(entity, 0, events_for(entity, 1, 3))
        assert [e.event_id for e in store.pending()] == [e.event_id for e in committed]
        store.mark_published(committed[:2])
        assert [e.event_id for e in store.pending()] == [committed[2].event_id]

    def test_the_backlog_counts_per_shard_what_is_not_yet_published(self, store: EventStore) -> None:
        assert isinstance(store, Outbox)
        assert store.backlog() == dict.fromkeys(range(store.feed_shards()), 0)
        entity = new_id()
        committed = store.append(entity, 0, events_for(entity, 1, 3))
        shard = _shard_of(store, entity)
        assert store.backlog() == {**dict.fromkeys(range(store.feed_shards()), 0), shard: 3}
        store.mark_published(committed[:2])
        assert store.backlog()[shard] == 1
        store.mark_published(committed[2:])
        assert sum(store.backlog().values()) == 0

    def test_a_failed_append_leaves_nothing_in_the_outbox(self, store: EventStore) -> None:
        assert isinstance(store, Outbox)
        entity = new_id()
        store.append(entity, 0, events_for(entity, 1, 1))
        with pytest.raises(ConcurrencyError):
            store.append(entity, 0, events_for(entity, 1, 2))
        assert len(store.pending()) == 1

    # unique keys and references

    def test_a_unique_key_has_one_owner(self, store: EventStore) -> None:
        first, second = new_id(), new_id()
        store.append(first, 0, events_for(first, 1, 1), IndexChanges(claims={"sku:A-1": first}))
        with pytest.raises(UniquenessViolation):
            store.append(second, 0, events_for(second, 1, 1), IndexChanges(claims={"sku:A-1": second}))
        assert store.owner_of("sku:A-1") == first
        assert store.load(second) == []

    def test_a_released_key_can_be_claimed_again(self, store: EventStore) -> None:
        first, second = new_id(), new_id()
        store.append(first, 0, events_for(first, 1, 1), IndexChanges(claims={"sku:A-1": first}))
        store.append(first, 1, events_for(first, 2, 1), IndexChanges(releases={"sku:A-1": first}))
        store.append(second, 0, events_for(second, 1, 1), IndexChanges(claims={"sku:A-1": second}))
        assert store.owner_of("sku:A-1") == second

    def test_a_reference_needs_an_existing_target(self, store: EventStore) -> None:
        entity = new_id()
        with pytest.raises(MissingReference):
            store.append(entity, 0, events_for(entity, 1, 1), IndexChanges(references=(("category:x", "p:1"),)))
        assert store.load(entity) == []

    def test_a_key_still_referred_to_cannot_be_released(self, store: EventStore) -> None:
        target, source = new_id(), new_id()
        store.append(target, 0, events_for(target, 1, 1), IndexChanges(claims={"category:c": target}))
        store.append(source, 0, events_for(source, 1, 1), IndexChanges(references=(("category:c", "p:1"),)))
        assert store.references_to("category:c") == ["p:1"]
        with pytest.raises(StillReferenced):
            store.append(target, 1, events_for(target, 2, 1), IndexChanges(releases={"category:c": target}))
        store.append(source, 1, events_for(source, 2, 1), IndexChanges(dereferences=(("category:c", "p:1"),)))
        store.append(target, 1, events_for(target, 2, 1), IndexChanges(releases={"category:c": target}))
        assert store.owner_of("category:c") is None

    def test_concurrent_claims_of_one_key_have_exactly_one_winner(self, store: EventStore) -> None:
        results: list[str] = []
        claimants = [new_id() for _ in range(WRITER_THREADS)]

        def claim(entity: str) -> None:
            try:
                store.append(entity, 0, events_for(entity, 1, 1), IndexChanges(claims={"sku:RACE": entity}))
                results.append("won")
            except UniquenessViolation:
                results.append("lost")

        _run_together([lambda e=e: claim(e) for e in claimants])  # type: ignore[misc]
        assert sorted(results) == ["lost"] * (WRITER_THREADS - 1) + ["won"]
        winner = store.owner_of("sku:RACE")
        assert [len(store.load(e)) for e in claimants].count(1) == 1
        assert len(store.load(winner or "")) == 1

    # concurrency

    def test_concurrent_writers_lose_and_duplicate_nothing(self, store: EventStore) -> None:
        streams = [new_id() for _ in range(SHARED_STREAMS)]
        appended: dict[str, list[str]] = defaultdict(list)
        lock = threading.Lock()

        def writer(thread: int) -> None:
            known: dict[str, int] = defaultdict(int)
            for n in range(APPENDS_PER_THREAD):
                entity = streams[(thread + n) % SHARED_STREAMS]
                event_id = _append_with_retry(store, entity, known)
                with lock:
                    appended[entity].append(event_id)

        _run_together([lambda t=t: writer(t) for t in range(WRITER_THREADS)])  # type: ignore[misc]
        for entity in streams:
            loaded = store.load(entity)
            assert [e.sequence_number for e in loaded] == list(range(1, len(loaded) + 1))
            assert sorted(e.event_id for e in loaded) == sorted(appended[entity])
        assert sum(len(store.load(e)) for e in streams) == WRITER_THREADS * APPENDS_PER_THREAD

    def test_a_reader_tailing_the_feed_during_concurrent_writes_misses_nothing(self, store: EventStore) -> None:
        streams = [new_id() for _ in range(SHARED_STREAMS)]
        done = threading.Event()
        seen: dict[int, list[StoredEvent]] = defaultdict(list)

        def tail() -> None:
            checkpoints = [0] * store.feed_shards()
            while True:
                finished = done.is_set()  # read before the pass, so the last pass drains everything
                caught_up = True
                for shard, after in enumerate(checkpoints):
                    page = store.read_feed(shard, after, limit=50)
                    if page:
                        seen[shard].extend(page)
                    checkpoints[shard] = page[-1].position if page else after
                    caught_up &= not page
                if finished and caught_up:
                    return

        def writer(thread: int) -> None:
            known: dict[str, int] = defaultdict(int)
            for n in range(50):
                _append_with_retry(store, streams[(thread + n) % SHARED_STREAMS], known)

        reader = threading.Thread(target=tail)
        reader.start()
        _run_together([lambda t=t: writer(t) for t in range(4)])  # type: ignore[misc]
        done.set()
        reader.join()
        assert seen.keys() <= set(range(store.feed_shards()))
        for events in seen.values():
            positions = [e.position for e in events]
            assert positions == list(range(positions[0], positions[0] + len(positions)))
        tailed = sorted(e.event_id for events in seen.values() for e in events)
        assert tailed == sorted(e.event_id for e in _whole_feed(store))
        assert len(tailed) == 200
        for events in seen.values():
            per_stream: dict[str, list[int]] = defaultdict(list)
            for event in events:
                per_stream[event.entity_id].append(event.sequence_number)
            assert all(numbers == sorted(numbers) for numbers in per_stream.values())

    # snapshots

    def test_the_latest_snapshot_at_or_before_the_version_asked_is_returned(self, snapshots: SnapshotStore) -> None:
        entity = new_id()
        for version in (10, 20, 30):
            snapshots.save(Snapshot(entity, "price", version, 1, {"v": version}, EPOCH + timedelta(seconds=version)))
        assert snapshots.latest(entity, 1).version == 30  # type: ignore[union-attr]
        assert snapshots.latest(entity, 1, up_to_version=25).version == 20  # type: ignore[union-attr]
        assert snapshots.latest(entity, 1, up_to_time=EPOCH + timedelta(seconds=15)).state == {"v": 10}  # type: ignore[union-attr]
        assert snapshots.latest(entity, 1, up_to_version=5) is None

    def test_a_snapshot_of_another_schema_is_ignored(self, snapshots: SnapshotStore) -> None:
        entity = new_id()
        snapshots.save(Snapshot(entity, "price", 10, 1, {"old": True}, EPOCH))
        assert snapshots.latest(entity, 2) is None


def _append_with_retry(store: EventStore, entity: str, known: dict[str, int]) -> str:
    """Appends one event at the stream's head, catching up and retrying after each conflict."""
    while True:
        known[entity] += len(store.load(entity, after_version=known[entity]))
        event = price_event(entity, known[entity] + 1)
        try:
            store.append(entity, known[entity], [event])
        except ConcurrencyError:
            continue
        known[entity] += 1
        return event.event_id


def _run_together(targets: list) -> None:  # type: ignore[type-arg]
    start = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def _whole_feed(store: EventStore) -> list[StoredEvent]:
    """Every shard's events, shard by shard, each in position order."""
    events: list[StoredEvent] = []
    for shard in range(store.feed_shards()):
        after = 0
        while page := store.read_feed(shard, after, limit=100):
            events.extend(page)
            after = page[-1].position
    return events


def _shard_of(store: EventStore, entity: str) -> int:
    return store.load(entity)[0].shard
