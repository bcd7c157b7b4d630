"""An SQLite file behind SQLAlchemy: WAL, a busy timeout, explicit write transactions.

SQLAlchemy creates and configures the connections and the schema. The hot path keeps one
connection per thread, taken from the engine once and detached from its pool, and talks
sqlite3 directly: a pool check-out and reset per statement would cost more than the
statement itself.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event

from application.errors import ConcurrencyError, StoreUnavailable

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def create_sqlite_engine(path: str, synchronous: str = "FULL", busy_timeout_s: float = 30.0) -> Engine:
    """`synchronous=FULL` makes every commit durable against power loss; NORMAL (with WAL) still
    survives a process crash but may lose the last commits if the machine loses power."""
    mode = synchronous.upper()
    if mode not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}")
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "isolation_level": None, "timeout": busy_timeout_s},
    )
    event.listen(engine, "connect", lambda connection, _: _configure(connection, mode))
    return engine


def _configure(connection: sqlite3.Connection, synchronous: str) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


@contextmanager
def translated_errors() -> Iterator[None]:
    """Driver errors become the port's errors at this boundary."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        raise ConcurrencyError(f"the write collided with another: {error}") from error
    except sqlite3.Error as error:
        raise StoreUnavailable(f"SQLite failed: {error}") from error


class SQLiteDatabase:
    """The engine and one long-lived connection per thread that uses the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        # This process's writers queue here, each taking the file's write lock as the last one
        # lets go; without it they would meet in SQLite's busy handler, which sleeps 1 ms, then
        # 2, 5, 10... however short the transaction in the way. Other processes still meet there.
        self._writers = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            pooled = self.engine.raw_connection()
            pooled.detach()
            connection = pooled.dbapi_connection  # type: ignore[assignment]
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)  # type: ignore[arg-type]
        return connection  # type: ignore[return-value]

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """A cursor inside BEGIN IMMEDIATE: writers queue for the lock, so commit order is
        position order, and a transaction either commits whole or not at all."""
        with translated_errors(), self._writers:
            cursor = self.connection().cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        with translated_errors():
            yield self.connection().cursor()

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self.engine.dispose()
