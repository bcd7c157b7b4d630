"""One command's work: the aggregates it touched, committed atomically with their index keys."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from application.envelope import IndexChanges, StoredEvent, StreamWrite
from application.errors import (
    AlreadyExists,
    ApplicationError,
    ConcurrencyError,
    DuplicateCommand,
    NotFound,
    UniquenessViolation,
)
from application.ports import Clock, EventStore, IdGenerator
from application.repository import AggregateRepository
from domain import values
from domain.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandContext:
    """Who asked, and the ids that tie the resulting events to the request and the command."""

    user_id: str
    correlation_id: str
    causation_id: str
    # a command sent twice with the same key is carried out once: the key is claimed in the
    # same atomic write as the events, so even two concurrent retries cannot both succeed
    idempotency_key: str | None = None

    @property
    def idempotency_claim(self) -> str | None:
        return None if self.idempotency_key is None else f"command:{self.idempotency_key}"


class _Tracked:
    __slots__ = ("aggregate", "loaded_version", "last_timestamp", "keys", "references")

    def __init__(self, aggregate: Aggregate, last_timestamp: datetime | None) -> None:
        self.aggregate = aggregate
        self.loaded_version = aggregate.version
        self.last_timestamp = last_timestamp
        self.keys = aggregate.unique_keys()
        self.references = aggregate.referenced_keys()


class UnitOfWork:
    def __init__(self, repository: AggregateRepository, clock: Clock, ids: IdGenerator,
                 context: CommandContext, snapshot_every: int) -> None:
        self.repository = repository
        self.ids = ids
        self.context = context
        self.snapshot_every = snapshot_every
        self.now = clock.now()
        self._tracked: dict[str, _Tracked] = {}
        self._new: set[str] = set()
        self._consulted: list[tuple[Aggregate, datetime | None]] = []

    @property
    def store(self) -> EventStore:
        return self.repository.store

    def get(self, cls: type[A], entity_id: str, expected_version: int | None = None) -> A:
        """The aggregate to change (version 0 if new); its changes are written on commit."""
        aggregate, last_timestamp = self.repository.load(cls, values.entity_id(entity_id))
        if expected_version is not None and expected_version != aggregate.version:
            raise ConcurrencyError(f"{cls.AGGREGATE_TYPE} {entity_id} is at version "
                                   f"{aggregate.version}, not {expected_version}")
        if last_timestamp is not None and last_timestamp > self.now:
            self.now = last_timestamp  # a stream's time never runs backwards, whatever the clock does
        self._tracked[aggregate.id] = _Tracked(aggregate, last_timestamp)
        return aggregate

    def new(self, cls: type[A], entity_id: str) -> A:
        """A new aggregate, not loaded: the commit fails if its stream already exists."""
        aggregate = cls(values.entity_id(entity_id))
        self._tracked[aggregate.id] = _Tracked(aggregate, None)
        self._new.add(aggregate.id)
        return aggregate

    def get_existing(self, cls: type[A], entity_id: str, expected_version: int | None = None) -> A:
        aggregate = self.get(cls, entity_id, expected_version)
        if not aggregate.exists:
            raise NotFound(f"{cls.AGGREGATE_TYPE} {entity_id} does not exist")
        return aggregate

    def read(self, cls: type[A], entity_id: str) -> A:
        """An aggregate consulted, not changed."""
        aggregate, last_timestamp = self.repository.load(cls, values.entity_id(entity_id))
        self._consulted.append((aggregate, last_timestamp))
        return aggregate

    def commit(self) -> list[StoredEvent]:
        """Appends every tracked aggregate's new events and index changes in one atomic write."""
        changed = [tracked for tracked in self._tracked.values() if tracked.aggregate.has_changes]
        if not changed:
            self._give_back({})
            return []
        writes = [self._stream_write(tracked) for tracked in changed] + self._unchanged_since_read()
        index = IndexChanges()
        for tracked in changed:
            index = index | _index_changes(tracked)
        if claim := self.context.idempotency_claim:
            # owned by this commit alone (its first event): the same command carried out again
            # (a retry named as the first, deciding anew after a lost race) must find the key taken
            index = index | IndexChanges(claims={claim: writes[0].events[0].event_id})
        try:
            committed = self.store.commit(writes, index)
        except ConcurrencyError:
            self._raise_if_new_entity_exists()
            raise
        except UniquenessViolation as violation:
            if violation.key == claim:
                raise DuplicateCommand(violation.key, violation.owner) from None
            raise
        committed_at = {write.entity_id: write.events[-1].timestamp for write in writes if write.events}
        for tracked in changed:
            self._maybe_snapshot(tracked, committed_at[tracked.aggregate.id])
        self._give_back(committed_at)
        return committed

    def _unchanged_since_read(self) -> list[StreamWrite]:
        """The aggregates the decision read (and did not change), each at the version it was read:
        the commit fails as a conflict if any of them moved meanwhile, and the retry decides
        again. Without it two commands could each pass a rule on the other's old state (two
        categories moved under each other, a price set on a product being discontinued)."""
        checked: dict[str, StreamWrite] = {}
        for aggregate, _ in self._consulted:
            if aggregate.id not in self._tracked:
                checked.setdefault(aggregate.id, StreamWrite(aggregate.id, aggregate.version, ()))
        return list(checked.values())

    def _give_back(self, committed_at: dict[str, datetime]) -> None:
        """After a successful commit, every aggregate is again the exact fold of its stream."""
        for tracked in self._tracked.values():
            last = committed_at.get(tracked.aggregate.id, tracked.last_timestamp)
            self.repository.give_back(tracked.aggregate, last)
        for aggregate, last_timestamp in self._consulted:
            self.repository.give_back(aggregate, last_timestamp)
        self._tracked.clear()
        self._consulted.clear()

    def _raise_if_new_entity_exists(self) -> None:
        for entity_id in self._new:
            if self.store.load(entity_id, up_to_version=1):
                raise AlreadyExists(f"{entity_id} already exists")

    def _stream_write(self, tracked: _Tracked) -> StreamWrite:
        aggregate, to_data = tracked.aggregate, self.repository.mapper.to_data
        timestamp = max(self.now, tracked.last_timestamp or self.now)
        context = self.context
        events = tuple(
            StoredEvent(aggregate.id, tracked.loaded_version + offset, self.ids.new_id(), type(event).__name__,
                        event.VERSION, aggregate.AGGREGATE_TYPE, to_data(event), timestamp,
                        context.user_id, context.correlation_id, context.causation_id)
            for offset, event in enumerate(aggregate.collect_events(), start=1))
        return StreamWrite(aggregate.id, tracked.loaded_version, events)

    def _maybe_snapshot(self, tracked: _Tracked, timestamp: datetime) -> None:
        every, aggregate = self.snapshot_every, tracked.aggregate
        if every <= 0 or aggregate.version // every == tracked.loaded_version // every:
            return
        try:
            self.repository.snapshot(aggregate, timestamp)
        except ApplicationError:
            log.warning("snapshot of %s at version %s failed; loads replay the stream instead",
                        aggregate.id, aggregate.version, exc_info=True)


def _index_changes(tracked: _Tracked) -> IndexChanges:
    aggregate = tracked.aggregate
    keys, references = aggregate.unique_keys(), aggregate.referenced_keys()
    source = f"{aggregate.AGGREGATE_TYPE}:{aggregate.id}"
    return IndexChanges(
        claims={key: aggregate.id for key in keys - tracked.keys},
        releases={key: aggregate.id for key in tracked.keys - keys},
        references=tuple((key, source) for key in sorted(references - tracked.references)),
        dereferences=tuple((key, source) for key in sorted(tracked.references - references)),
    )
