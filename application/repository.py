"""Loads aggregates from their streams, starting from the latest usable snapshot."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from application.aggregate_cache import AggregateCache
from application.envelope import Snapshot, StoredEvent
from application.errors import ApplicationError, NotFound
from application.mapper import EventMapper
from application.ports import EventStore, SnapshotStore
from domain.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger(__name__)


class AggregateRepository:
    def __init__(self, store: EventStore, snapshots: SnapshotStore, mapper: EventMapper,
                 cache: AggregateCache | None = None) -> None:
        self.store = store
        self.snapshots = snapshots
        self.mapper = mapper
        self.cache = cache or AggregateCache(0)

    def load(self, cls: type[A], entity_id: str, up_to_version: int | None = None,
             up_to_time: datetime | None = None, seen_version: int | None = None) -> tuple[A, datetime | None]:
        """The aggregate as it was at a version or a moment (or now); version 0 if unknown.

        `seen_version`: the caller needs it at that version or later, not necessarily now (the
        answer to a command it ran): a cached aggregate that far along is used as it is.

        Ids are unique across aggregate types: a stream of another type is not this aggregate's
        (NotFound), rather than events this aggregate cannot apply."""
        if up_to_version is None and up_to_time is None and (cached := self.cache.take(cls, entity_id)):
            if seen_version is not None and cached[0].version >= seen_version:
                return cached
            return self._caught_up(*cached)
        aggregate, last_timestamp, _ = self._rebuilt(cls, entity_id, up_to_version, up_to_time)
        return aggregate, last_timestamp

    def load_keeping_snapshots(self, cls: type[A], entity_id: str, every: int, up_to_version: int | None = None,
                               up_to_time: datetime | None = None) -> tuple[A, datetime | None]:
        """As `load`, for an aggregate that commands never change, so that no commit snapshots
        it (a PriceHistory): rebuilt from `every` events or more past its latest snapshot, it is
        snapshotted where it got to, and the next load starts there. A snapshot that fails is
        logged: the load has its answer anyway."""
        aggregate, last_timestamp, replayed = self._rebuilt(cls, entity_id, up_to_version, up_to_time)
        if every > 0 and replayed >= every and last_timestamp is not None:
            try:
                self.snapshot(aggregate, last_timestamp)
            except ApplicationError as error:  # a read asked for it: a line, not a traceback per read
                log.warning("snapshot of %s at version %s failed (%s); loads replay the stream instead",
                            snapshot_id(cls, entity_id), aggregate.version, error)
        return aggregate, last_timestamp

    def _rebuilt(self, cls: type[A], entity_id: str, up_to_version: int | None,
                 up_to_time: datetime | None) -> tuple[A, datetime | None, int]:
        """From the latest usable snapshot and the events after it: the aggregate, its last
        event's time and how many events it replayed."""
        snapshot = self.snapshots.latest(snapshot_id(cls, entity_id), cls.SNAPSHOT_SCHEMA, up_to_version, up_to_time)
        if snapshot is not None and snapshot.aggregate_type != cls.AGGREGATE_TYPE:
            snapshot = None
        start = snapshot.version if snapshot else 0
        stored = self.store.load(entity_id, start, up_to_version, up_to_time)
        if stored and stored[0].aggregate_type != cls.AGGREGATE_TYPE:
            kind = stored[0].aggregate_type
            raise NotFound(f"{cls.AGGREGATE_TYPE} {entity_id} does not exist (the id is a {kind}'s)")
        aggregate = cls.from_snapshot(entity_id, snapshot.version, snapshot.state) if snapshot else cls(entity_id)
        aggregate.replay(self.mapper.to_events(stored))
        return aggregate, _last_timestamp(stored, snapshot), len(stored)

    def _caught_up(self, aggregate: A, last_timestamp: datetime | None) -> tuple[A, datetime | None]:
        stored = self.store.load(aggregate.id, aggregate.version)
        aggregate.replay(self.mapper.to_events(stored))
        return aggregate, stored[-1].timestamp if stored else last_timestamp

    @contextmanager
    def reading(self, cls: type[A], entity_id: str, seen_version: int | None = None) -> Iterator[A]:
        """The aggregate as it is now (or at `seen_version` or later, see `load`), to look at and
        not change; given back to the cache when done, so the next load (a command's, say)
        starts from it instead of from the store."""
        aggregate, last_timestamp = self.load(cls, entity_id, seen_version=seen_version)
        yield aggregate
        self.give_back(aggregate, last_timestamp)

    def give_back(self, aggregate: Aggregate, last_timestamp: datetime | None) -> None:
        """Returns a loaded aggregate, unchanged or with its changes committed, for later loads."""
        self.cache.give(aggregate, last_timestamp)

    def history(self, entity_id: str) -> list[StoredEvent]:
        """The whole stream, upcast to the current schemas: the audit trail."""
        return [self.mapper.upcast(event) for event in self.store.load(entity_id)]

    def snapshot(self, aggregate: Aggregate, timestamp: datetime) -> None:
        self.snapshots.save(Snapshot(snapshot_id(type(aggregate), aggregate.id), aggregate.AGGREGATE_TYPE,
                                     aggregate.version, aggregate.SNAPSHOT_SCHEMA, aggregate.snapshot_state(),
                                     timestamp))


def snapshot_id(cls: type[Aggregate], entity_id: str) -> str:
    """The id the class's snapshots of the stream are kept under (see Aggregate.SNAPSHOT_NAME)."""
    return f"{entity_id}/{cls.SNAPSHOT_NAME}" if cls.SNAPSHOT_NAME else entity_id


def _last_timestamp(stored: list[StoredEvent], snapshot: Snapshot | None) -> datetime | None:
    if stored:
        return stored[-1].timestamp
    return snapshot.timestamp if snapshot else None
