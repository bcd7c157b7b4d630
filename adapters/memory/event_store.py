"""An event store held in process memory, behind one lock, with the same rules as the others."""

import json
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime

from adapters.validation import check_writes
from application.envelope import NO_INDEX_CHANGES, IndexChanges, StoredEvent, StreamWrite
from application.errors import ConcurrencyError, MissingReference, StillReferenced, UniquenessViolation
from application.ports import EventStore, Outbox


class MemoryEventStore(EventStore, Outbox):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[str, list[StoredEvent]] = {}
        self._feed: list[StoredEvent] = []
        self._unpublished: dict[int, StoredEvent] = {}
        self._claims: dict[str, str] = {}
        self._references: dict[str, set[str]] = {}

    def commit(self, writes: Sequence[StreamWrite], index: IndexChanges = NO_INDEX_CHANGES) -> list[StoredEvent]:
        check_writes(writes)
        with self._lock:
            for write in writes:
                current = len(self._streams.get(write.entity_id, ()))
                if current != write.expected_version:
                    raise ConcurrencyError(f"{write.entity_id} is at version {current}, not {write.expected_version}")
            self._check_index(index)
            self._apply_index(index)
            return [_decoded(self._add(event)) for write in writes for event in write.events]

    def _add(self, event: StoredEvent) -> StoredEvent:
        # data is kept as JSON text, as the other stores keep it: a caller cannot alter it later
        stored = event._replace(data=json.dumps(event.data), position=len(self._feed) + 1, shard=0)
        self._streams.setdefault(stored.entity_id, []).append(stored)
        self._feed.append(stored)
        self._unpublished[stored.position] = stored
        return stored

    def _check_index(self, index: IndexChanges) -> None:
        removed = set(index.dereferences)
        for key, owner in index.claims.items():
            holder = self._claims.get(key)
            if holder is not None and holder != owner and index.releases.get(key) != holder:
                raise UniquenessViolation(key, holder)
        for key in index.releases:
            if {(key, source) for source in self._references.get(key, ())} - removed:
                raise StillReferenced(key)
        for key, _ in index.references:
            if key not in self._claims and key not in index.claims:
                raise MissingReference(key)

    def _apply_index(self, index: IndexChanges) -> None:
        for key, source in index.dereferences:
            self._references.get(key, set()).discard(source)
        for key, owner in index.releases.items():
            if self._claims.get(key) == owner:
                del self._claims[key]
        self._claims.update(index.claims)
        for key, source in index.references:
            self._references.setdefault(key, set()).add(source)

    def load(self, entity_id: str, after_version: int = 0, up_to_version: int | None = None,
             up_to_time: datetime | None = None) -> list[StoredEvent]:
        with self._lock:
            stream = self._streams.get(entity_id, [])[after_version:up_to_version]
        return [_decoded(event) for event in stream if up_to_time is None or event.timestamp <= up_to_time]

    def read_feed(self, shard: int, after_position: int, limit: int = 1000) -> list[StoredEvent]:
        with self._lock:
            page = self._feed[after_position:after_position + limit] if shard == 0 else []
        return [_decoded(event) for event in page]

    def feed_shards(self) -> int:
        return 1

    def feed_head(self, shard: int) -> int:
        with self._lock:
            return len(self._feed) if shard == 0 else 0

    def stream_ids(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._streams))

    def owner_of(self, key: str) -> str | None:
        with self._lock:
            return self._claims.get(key)

    def references_to(self, key: str) -> list[str]:
        with self._lock:
            return sorted(self._references.get(key, ()))

    def pending(self, limit: int = 500) -> list[StoredEvent]:
        with self._lock:
            page = [self._unpublished[p] for p in sorted(self._unpublished)[:limit]]
        return [_decoded(event) for event in page]

    def mark_published(self, events: Sequence[StoredEvent]) -> None:
        with self._lock:
            for event in events:
                self._unpublished.pop(event.position, None)

    def backlog(self) -> dict[int, int]:
        with self._lock:
            return {0: len(self._unpublished)}


def _decoded(event: StoredEvent) -> StoredEvent:
    return event._replace(data=json.loads(event.data))  # type: ignore[arg-type]
