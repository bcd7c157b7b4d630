"""The embedded SQLite event store (SQLAlchemy engine and schema, sqlite3 on the hot path)."""

from adapters.sqlite.engine import SQLiteDatabase, create_sqlite_engine
from adapters.sqlite.event_store import SQLiteEventStore
from adapters.sqlite.schema import create_schema
from adapters.sqlite.snapshot_store import SQLiteSnapshotStore

__all__ = ["SQLiteDatabase", "SQLiteEventStore", "SQLiteSnapshotStore", "create_schema", "create_sqlite_engine"]
