"""The read models' database: any SQLAlchemy URL; an SQLite file is set up for concurrent use.

SQLite gets WAL (queries never wait for the projector), a busy timeout, and transactions
begun explicitly: a writing transaction takes the write lock up front (BEGIN IMMEDIATE), so
two projectors queue instead of failing on a lock upgrade; a reading one sees one snapshot.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from application.errors import StoreUnavailable

WRITING = "read_models_writing"
SNAPSHOT_READS = ("postgresql", "mysql", "mariadb")  # SQLite reads from one snapshot anyway
BULK_CACHE_SIZE = -128 * 1024  # KiB of SQLite page cache for bulk writes (the default is 2 MiB)


def sqlite_file(url: str) -> str | None:
    """The file the read models at `url` live in: None unless an SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def create_read_model_engine(url: str, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for the read models at `url` (an SQLite file gets its folder created)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, json_serializer=_json_text)
    database = sqlite_file(url)
    if database is None:
        raise ValueError("the read models need an SQLite file (one in-memory database per connection would not do)")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, json_serializer=_json_text, connect_args={
        "check_same_thread": False, "isolation_level": None, "timeout": busy_timeout_s})
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _json_text(value: object) -> str:
    """JSON text, as json.dumps writes it but compact and several times faster."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _configure_sqlite(connection: sqlite3.Connection, _: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # the views can always be rebuilt from the events
    # Debian's SQLite zeroes every page a write frees (secure_delete=ON), and so a rebuild's
    # drop of the old generation wrote all of its pages to the log once more; FAST zeroes
    # what it can without more I/O. The views hold nothing the event store does not.
    cursor.execute("PRAGMA secure_delete=FAST")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get(WRITING) else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def writing(engine: Engine, bulk: bool = False) -> Iterator[Connection]:
    """A connection in a transaction that writes: committed at the end, rolled back on error.

    `bulk`: many rows into tables nobody reads yet (a rebuild), which a crash only makes the
    caller build again. On SQLite the page cache holds the whole batch rather than spilling it
    to the file, and the commit does not checkpoint the write-ahead log: the rebuild does once,
    at its end, so pages rewritten batch after batch are copied to the file once. `synchronous`
    stays NORMAL: OFF would be a little faster, but the tables being rebuilt share the file with
    the live ones, which a power loss mid-checkpoint could corrupt.
    """
    with engine.connect() as connection, _bulk_writes(connection, bulk):
        connection.execution_options(**{WRITING: True})
        with connection.begin():
            if engine.dialect.name == "postgresql":
                # a crash may lose the last commits, rows and checkpoint together: the next
                # catch-up replays them; not waiting for the disk makes each batch cheaper
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield connection


@contextmanager
def _bulk_writes(connection: Connection, bulk: bool) -> Iterator[None]:
    driver = connection.connection.driver_connection
    if not bulk or not isinstance(driver, sqlite3.Connection):
        yield
        return
    (cache_size,) = driver.execute("PRAGMA cache_size").fetchone()
    (autocheckpoint,) = driver.execute("PRAGMA wal_autocheckpoint").fetchone()
    driver.execute(f"PRAGMA cache_size={BULK_CACHE_SIZE}")
    driver.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size={int(cache_size)}")
        driver.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that only reads, from one consistent snapshot."""
    with engine.connect() as connection:
        if engine.dialect.name in SNAPSHOT_READS:
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


@contextmanager
def translated_errors() -> Iterator[None]:
    """Driver errors become the port's errors at this boundary."""
    try:
        yield
    except SQLAlchemyError as error:
        raise StoreUnavailable(f"the read model database failed: {error}") from error
