"""Snapshots in the same SQLite file as the streams."""

from datetime import datetime

import orjson

from adapters.sqlite.engine import SQLiteDatabase
from adapters.sqlite.schema import NO_TIME_LIMIT, NO_VERSION_LIMIT
from application.envelope import Snapshot, format_timestamp
from application.ports import SnapshotStore

LATEST = ("SELECT version, aggregate_type, state, timestamp FROM snapshots WHERE entity_id = ? "
          "AND schema_version = ? AND version <= ? AND timestamp <= ? ORDER BY version DESC LIMIT 1")


class SQLiteSnapshotStore(SnapshotStore):
    def __init__(self, database: SQLiteDatabase) -> None:
        self.database = database

    def save(self, snapshot: Snapshot) -> None:
        with self.database.write() as cursor:
            cursor.execute(
                "INSERT OR REPLACE INTO snapshots (entity_id, version, aggregate_type, schema_version, "
                "state, timestamp) VALUES (?, ?, ?, ?, ?, ?)",
                (snapshot.entity_id, snapshot.version, snapshot.aggregate_type, snapshot.schema_version,
                 orjson.dumps(snapshot.state).decode(), format_timestamp(snapshot.timestamp)))

    def latest(self, entity_id: str, schema_version: int, up_to_version: int | None = None,
               up_to_time: datetime | None = None) -> Snapshot | None:
        limit = NO_VERSION_LIMIT if up_to_version is None else up_to_version
        until = NO_TIME_LIMIT if up_to_time is None else format_timestamp(up_to_time)
        with self.database.read() as cursor:
            row = cursor.execute(LATEST, (entity_id, schema_version, limit, until)).fetchone()
        if row is None:
            return None
        version, aggregate_type, state, timestamp = row
        return Snapshot(entity_id, aggregate_type, version, schema_version, orjson.loads(state),
                        datetime.fromisoformat(timestamp))
