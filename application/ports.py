"""The ports: what the application needs from the outside world, as small ABCs."""

import abc
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from application.envelope import NO_INDEX_CHANGES, IndexChanges, Snapshot, StoredEvent, StreamWrite


class EventStore(abc.ABC):
    """Append-only streams of events, one per entity, and a global feed in commit order."""

    @abc.abstractmethod
    def commit(self, writes: Sequence[StreamWrite], index: IndexChanges = NO_INDEX_CHANGES) -> list[StoredEvent]:
        """Appends every write and applies the index changes, all or nothing.

        Raises ConcurrencyError when a stream is not at its expected version (including a
        sequence number that already exists), UniquenessViolation, MissingReference or
        StillReferenced when the index changes cannot hold. Returns the events as committed,
        with their feed positions.
        """

    def append(self, entity_id: str, expected_version: int, events: Sequence[StoredEvent],
               index: IndexChanges = NO_INDEX_CHANGES) -> list[StoredEvent]:
        """Appends events to one stream; see `commit`."""
        return self.commit([StreamWrite(entity_id, expected_version, tuple(events))], index)

    @abc.abstractmethod
    def load(self, entity_id: str, after_version: int = 0, up_to_version: int | None = None,
             up_to_time: datetime | None = None) -> list[StoredEvent]:
        """The stream's events with after_version < sequenceNumber <= up_to_version and
        timestamp <= up_to_time, in sequence order; empty for an unknown entity."""

    @abc.abstractmethod
    def read_feed(self, shard: int, after_position: int, limit: int = 1000) -> list[StoredEvent]:
        """Up to `limit` events of one feed shard with position > after_position, in order."""

    @abc.abstractmethod
    def feed_shards(self) -> int:
        """How many independent shards the global feed has (each gap-free on its own)."""

    @abc.abstractmethod
    def feed_head(self, shard: int) -> int:
        """The last position given out in a shard (0 when it is empty): the feed of a sound store
        holds every position from 1 up to it."""

    @abc.abstractmethod
    def stream_ids(self) -> Iterator[str]:
        """Every entity that has a stream (for verification and maintenance)."""

    @abc.abstractmethod
    def owner_of(self, key: str) -> str | None:
        """Who holds a unique key, or None."""

    @abc.abstractmethod
    def references_to(self, key: str) -> list[str]:
        """The sources that refer to a key (``product:<id>``, ``category:<id>``)."""


class SnapshotStore(abc.ABC):
    """Periodic copies of aggregate state, stored beside the streams."""

    @abc.abstractmethod
    def save(self, snapshot: Snapshot) -> None:
        """Stores a snapshot; saving the same entity and version again replaces it."""

    @abc.abstractmethod
    def latest(self, entity_id: str, schema_version: int, up_to_version: int | None = None,
               up_to_time: datetime | None = None) -> Snapshot | None:
        """The newest snapshot of this schema at or before the version or time asked."""


class Outbox(abc.ABC):
    """Committed events not yet confirmed as published, written in the append's transaction."""

    @abc.abstractmethod
    def pending(self, limit: int = 500) -> list[StoredEvent]:
        """The oldest unpublished events, in feed order."""

    @abc.abstractmethod
    def mark_published(self, events: Sequence[StoredEvent]) -> None:
        """Records that the broker confirmed these events."""

    @abc.abstractmethod
    def backlog(self) -> dict[int, int]:
        """Per feed shard, how many committed events the broker has not confirmed yet; cheap
        (a head and a checkpoint per shard, never a read of the events)."""


@dataclass(frozen=True)
class StoredResponse:
    """The answer first given to an idempotent command, replayed for each retry."""

    fingerprint: str  # what the request was: a retry must be the same request
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class CommandResponses(abc.ABC):
    """Answers to commands sent with an idempotency key, kept for their retries."""

    @abc.abstractmethod
    def get(self, key: str) -> StoredResponse | None:
        """The stored answer for the key, or None."""

    @abc.abstractmethod
    def put(self, key: str, response: StoredResponse) -> None:
        """Stores the answer; the first one stored for a key wins."""

    def awaited(self, key: str, seconds: float, poll_s: float = 0.05) -> StoredResponse | None:
        """The stored answer for the key, waiting up to `seconds` for one a first request still
        in flight may be about to store; None if none came."""
        deadline = time.monotonic() + seconds
        while (stored := self.get(key)) is None and time.monotonic() < deadline:
            time.sleep(poll_s)
        return stored


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current UTC time, truncated to milliseconds."""


class IdGenerator(abc.ABC):
    @abc.abstractmethod
    def new_id(self) -> str:
        """A fresh UUID in canonical string form."""
