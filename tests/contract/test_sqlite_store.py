from pathlib import Path

from adapters.sqlite import SQLiteDatabase, SQLiteEventStore, SQLiteSnapshotStore, create_schema, create_sqlite_engine
from application.ports import EventStore, SnapshotStore
from tests.contract.event_store_contract import EventStoreContract


class TestSQLiteEventStore(EventStoreContract):
    """Against a real SQLite file in WAL mode, with the default (durable) synchronous setting."""

    def make_stores(self, tmp_path: Path) -> tuple[EventStore, SnapshotStore]:
        engine = create_sqlite_engine(str(tmp_path / "events.db"))
        create_schema(engine)
        database = SQLiteDatabase(engine)
        return SQLiteEventStore(database), SQLiteSnapshotStore(database)
