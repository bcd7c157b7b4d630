"""The SQLite event store: streams, a gap-free feed in commit order, the outbox and the index."""

import functools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson

from adapters.sqlite.engine import SQLiteDatabase
from adapters.sqlite.schema import NO_TIME_LIMIT, NO_VERSION_LIMIT
from adapters.validation import check_writes
from application.envelope import NO_INDEX_CHANGES, IndexChanges, StoredEvent, StreamWrite, format_timestamp
from application.errors import (
    AppendRefused,
    ConcurrencyError,
    MissingReference,
    StillReferenced,
    UniquenessViolation,
)
from application.ports import EventStore, Outbox

COLUMNS = ("entity_id, sequence_number, event_id, event_type, event_version, aggregate_type, "
           "event_data, timestamp, user_id, correlation_id, causation_id, position")
OUTBOX_CHECKPOINT = "SELECT coalesce(max(position), 0) FROM checkpoints WHERE name = 'outbox'"
INSERT_EVENT = f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
STREAMS_PER_QUERY = 500  # SQLite's result rows hold at most 2000 columns
LOAD_STREAM = (f"SELECT {COLUMNS} FROM events WHERE entity_id = ? AND sequence_number > ? "
               "AND sequence_number <= ? AND timestamp <= ? ORDER BY sequence_number")


def _to_event(row: Sequence[Any]) -> StoredEvent:
    return StoredEvent(row[0], row[1], row[2], row[3], row[4], row[5], orjson.loads(row[6]),
                       datetime.fromisoformat(row[7]), row[8], row[9], row[10], row[11], 0)


def _to_events(rows: Iterable[Sequence[Any]]) -> list[StoredEvent]:
    """Many rows at once (the feed): the tuples built directly, without StoredEvent's own __new__."""
    new, loads, moment = tuple.__new__, orjson.loads, datetime.fromisoformat
    return [new(StoredEvent, (entity_id, sequence, event_id, event_type, version, aggregate, loads(data), moment(at),
                              user, correlation, causation, position, 0))
            for entity_id, sequence, event_id, event_type, version, aggregate, data, at, user, correlation, causation,
            position in rows]


class SQLiteEventStore(EventStore, Outbox):
    def __init__(self, database: SQLiteDatabase) -> None:
        self.database = database

    def commit(self, writes: Sequence[StreamWrite], index: IndexChanges = NO_INDEX_CHANGES) -> list[StoredEvent]:
        """One atomic write; commands committing at the same moment share the transaction."""
        check_writes(writes)
        rows = [_row(event) for write in writes for event in write.events]  # refused data fails here, alone
        return self.database.transact(lambda cursor: self._commit(cursor, writes, index, rows))

    def _commit(self, cursor: Any, writes: Sequence[StreamWrite], index: IndexChanges,
                rows: list[list[Any]]) -> list[StoredEvent]:
        """One statement reads the feed's head and every stream's version (each statement
        costs a round through the driver); then the index, then the events."""
        streams, versions = [write.entity_id for write in writes], []
        for start in range(0, max(len(streams), 1), STREAMS_PER_QUERY):  # more than one: a huge unit of work
            chunk = streams[start:start + STREAMS_PER_QUERY]
            last, *chunk_versions = cursor.execute(_heads_sql(len(chunk)), chunk).fetchone()
            versions += chunk_versions
        for write, current in zip(writes, versions, strict=True):
            if current != write.expected_version:
                raise ConcurrencyError(f"{write.entity_id} is at version {current}, not {write.expected_version}")
        if index:
            _apply_index(cursor, index)
        for offset, row in enumerate(rows, start=1):
            row[-1] = last + offset
        cursor.executemany(INSERT_EVENT, rows)
        return [event._replace(position=last + offset, shard=0)
                for offset, event in enumerate((e for w in writes for e in w.events), start=1)]

    def load(self, entity_id: str, after_version: int = 0, up_to_version: int | None = None,
             up_to_time: datetime | None = None) -> list[StoredEvent]:
        limit = NO_VERSION_LIMIT if up_to_version is None else up_to_version
        until = NO_TIME_LIMIT if up_to_time is None else format_timestamp(up_to_time)
        with self.database.read() as cursor:
            rows = cursor.execute(LOAD_STREAM, (entity_id, after_version, limit, until)).fetchall()
        return [_to_event(row) for row in rows]

    def read_feed(self, shard: int, after_position: int, limit: int = 1000) -> list[StoredEvent]:
        if shard != 0:
            return []
        with self.database.read() as cursor:
            rows = cursor.execute(f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?",
                                  (after_position, limit)).fetchall()
        return _to_events(rows)

    def feed_shards(self) -> int:
        return 1

    def feed_head(self, shard: int) -> int:
        if shard != 0:
            return 0
        with self.database.read() as cursor:
            return int(cursor.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()[0])

    def stream_ids(self) -> Iterator[str]:
        with self.database.read() as cursor:
            rows = cursor.execute("SELECT DISTINCT entity_id FROM events ORDER BY entity_id").fetchall()
        return (row[0] for row in rows)

    def owner_of(self, key: str) -> str | None:
        with self.database.read() as cursor:
            row = cursor.execute("SELECT owner FROM claims WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def references_to(self, key: str) -> list[str]:
        with self.database.read() as cursor:
            rows = cursor.execute("SELECT source FROM refs WHERE target = ? ORDER BY source", (key,)).fetchall()
        return [row[0] for row in rows]

    def pending(self, limit: int = 500) -> list[StoredEvent]:
        with self.database.read() as cursor:
            rows = cursor.execute(f"SELECT {COLUMNS} FROM events WHERE position > ({OUTBOX_CHECKPOINT}) "
                                  "ORDER BY position LIMIT ?", (limit,)).fetchall()
        return [_to_event(row) for row in rows]

    def mark_published(self, events: Sequence[StoredEvent]) -> None:
        """Advances the checkpoint over the unbroken run of published positions after it."""
        published = {event.position for event in events}
        with self.database.write() as cursor:
            (checkpoint,) = cursor.execute(OUTBOX_CHECKPOINT).fetchone()
            while checkpoint + 1 in published:
                checkpoint += 1
            cursor.execute("INSERT INTO checkpoints (name, position) VALUES ('outbox', ?) "
                           "ON CONFLICT (name) DO UPDATE SET position = excluded.position", (checkpoint,))

    def backlog(self) -> dict[int, int]:
        with self.database.read() as cursor:
            (behind,) = cursor.execute(f"SELECT coalesce(max(position), 0) - ({OUTBOX_CHECKPOINT}) "
                                       "FROM events").fetchone()
        return {0: max(0, int(behind))}


@functools.lru_cache(maxsize=32)
def _heads_sql(streams: int) -> str:
    """The feed's last position, then the version of each of `streams` streams."""
    version = ", (SELECT coalesce(max(sequence_number), 0) FROM events WHERE entity_id = ?)"
    return "SELECT (SELECT coalesce(max(position), 0) FROM events)" + version * streams


def _row(event: StoredEvent) -> list[Any]:
    """The event's columns; the position, last, is set under the write lock."""
    return [event.entity_id, event.sequence_number, event.event_id, event.event_type, event.event_version,
            event.aggregate_type, _json(event), format_timestamp(event.timestamp),
            event.user_id, event.correlation_id, event.causation_id, event.position]


def _json(event: StoredEvent) -> str:
    """The event's data as JSON; data JSON cannot carry (a lone surrogate, an integer beyond 64 bits)
    refuses the whole write, which then rolls back."""
    try:
        return orjson.dumps(event.data).decode()
    except orjson.JSONEncodeError as error:
        raise AppendRefused(f"{event.event_type} of {event.entity_id} cannot be stored: {error}") from None


def _apply_index(cursor: Any, index: IndexChanges) -> None:
    cursor.executemany("DELETE FROM refs WHERE target = ? AND source = ?", index.dereferences)
    for key, owner in index.releases.items():
        if cursor.execute("SELECT 1 FROM refs WHERE target = ? LIMIT 1", (key,)).fetchone():
            raise StillReferenced(key)
        cursor.execute("DELETE FROM claims WHERE key = ? AND owner = ?", (key, owner))
    for key, owner in index.claims.items():
        if cursor.execute("INSERT INTO claims (key, owner) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                          (key, owner)).rowcount == 0:  # claimed already: by this owner is fine
            (holder,) = cursor.execute("SELECT owner FROM claims WHERE key = ?", (key,)).fetchone()
            if holder != owner:
                raise UniquenessViolation(key, holder)
    for key, source in index.references:
        if cursor.execute("SELECT 1 FROM claims WHERE key = ?", (key,)).fetchone() is None:
            raise MissingReference(key)
        cursor.execute("INSERT OR IGNORE INTO refs (target, source) VALUES (?, ?)", (key, source))
