"""The floor under (b): the statements our create runs, issued straight on sqlite3 with their
parameters made beforehand, so that no Python of ours runs around them.

It says how fast any create that writes what ours writes (the event, the SKU claim, in one
transaction that reads the heads first) can be on this machine and this file system: the
reference's time divided by it is the highest speed-up such a create could reach.
"""

import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from adapters.sqlite import create_sqlite_engine
from adapters.sqlite.event_store import INSERT_EVENT, _heads_sql, _row
from adapters.sqlite.schema import create_schema
from application.envelope import StoredEvent
from tests.bench.catalog_workloads import CONTEXT, DEFAULT_REPEATS, _creations, catalog

CLAIM = "INSERT INTO claims (key, owner) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"  # as the store's index


def create_sql_seconds(n: int = 1000, *, repeats: int = DEFAULT_REPEATS, synchronous: str = "FULL") -> float:
    template = _stored_creation(synchronous)
    return min(_run_once(template, n, synchronous) for _ in range(repeats))


def _stored_creation(synchronous: str) -> StoredEvent:
    """One ProductCreated as our create stores it (the payload's size and shape are what count)."""
    with catalog(synchronous) as container:
        (command,) = _creations(1)
        container.bulk_message_bus().handle(command, CONTEXT)
        return container.event_store().read_feed(0, 0)[0]


def _run_once(template: StoredEvent, n: int, synchronous: str) -> float:
    with tempfile.TemporaryDirectory(prefix="sql-floor-") as directory:
        engine = create_sqlite_engine(str(Path(directory) / "events.db"), synchronous)
        create_schema(engine)
        pooled = engine.raw_connection()
        connection: sqlite3.Connection = pooled.driver_connection  # type: ignore[assignment]
        connection.isolation_level = None
        work = []
        for _ in range(n):
            entity_id = str(uuid.uuid4())
            row = _row(template._replace(entity_id=entity_id, event_id=str(uuid.uuid4())))
            work.append((entity_id, f"sku:SKU-{uuid.uuid4().hex[:20]}", row))
        heads = _heads_sql(1)
        try:
            cursor = connection.cursor()
            start = time.perf_counter()
            for entity_id, claim, row in work:
                cursor.execute("BEGIN IMMEDIATE")
                last, _version = cursor.execute(heads, (entity_id,)).fetchone()
                cursor.execute(CLAIM, (claim, entity_id))
                row[-1] = last + 1
                cursor.executemany(INSERT_EVENT, (row,))
                cursor.execute("COMMIT")
            return (time.perf_counter() - start) / n
        finally:
            pooled.close()
            engine.dispose()
