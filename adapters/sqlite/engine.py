"""An SQLite file behind SQLAlchemy: WAL, a busy timeout, explicit write transactions.

SQLAlchemy creates and configures the connections and the schema. The hot path keeps one
connection per thread, taken from the engine once and detached from its pool, and talks
sqlite3 directly: a pool check-out and reset per statement would cost more than the
statement itself.
"""

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event

from adapters.sqlite.file_lock import FileWriteLock
from adapters.sqlite.group_commit import GroupCommit, Work
from application.errors import ConcurrencyError, StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
CHECKPOINT_EVERY = 128  # writing transactions of this process between checkpoints of the log
CHECKPOINT_LOG_SIZE = 8 * 1024 * 1024  # or once the log file is this big (after 4 writes at least)
LOG_SIZE_KEPT = 4 * 1024 * 1024  # what is left of the log file when it starts again

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


def translated(error: BaseException) -> BaseException:
    """A driver error as the port's error (its cause kept); any other error as it is."""
    if isinstance(error, sqlite3.IntegrityError):
        translation: BaseException = ConcurrencyError(f"the write collided with another: {error}")
    elif isinstance(error, sqlite3.Error):
        translation = StoreUnavailable(f"SQLite failed: {error}")
    else:
        return error
    translation.__cause__ = error
    return translation


@contextmanager
def translated_errors() -> Iterator[None]:
    """Driver errors become the port's errors at this boundary."""
    try:
        yield
    except sqlite3.Error as error:
        raise translated(error) from error


class SQLiteDatabase:
    """The engine and one long-lived connection per thread that uses the store."""

    def __init__(self, engine: Engine, busy_timeout_s: float = 30.0) -> None:
        self.engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._writes = 0  # since the last checkpoint
        # This process's writers queue here, each taking the file's write lock as the last one
        # lets go; without it they would meet in SQLite's busy handler, which sleeps 1 ms, then
        # 2, 5, 10... however short the transaction in the way. Other processes' writers queue
        # at the lock file beside the database.
        self._writers = threading.Lock()
        self._path = engine.url.database or ":memory:"
        self._file_lock: FileWriteLock | None = (
            FileWriteLock(f"{self._path}.writers", busy_timeout_s) if self._path != ":memory:" else None)
        self._group_commit = GroupCommit(self._writers, self._transaction, translated)

    def connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            pooled = self.engine.raw_connection()
            pooled.detach()
            connection = pooled.dbapi_connection  # type: ignore[assignment]
            connection.execute("PRAGMA wal_autocheckpoint=0")  # type: ignore[union-attr]  # see _checkpoint
            connection.execute(f"PRAGMA journal_size_limit={LOG_SIZE_KEPT}")  # type: ignore[union-attr]
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)  # type: ignore[arg-type]
        return connection  # type: ignore[return-value]

    def transact(self, work: Work[T]) -> T:
        """Runs `work` with a cursor inside a writing transaction and returns what it returns,
        once the transaction has committed. Works that queue meanwhile share one commit (group
        commit), each in its own savepoint: one that fails fails alone, with the port's error.
        Positions assigned in `work` are in commit order: writers hold the write lock throughout."""
        result = self._group_commit.run(work)
        self._checkpoint()
        return result

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """A cursor inside BEGIN IMMEDIATE, in a transaction of its own: it either commits whole
        or not at all."""
        with translated_errors(), self._writers, self._transaction() as cursor:
            yield cursor  # should the caller's block raise, the transaction rolls back
            cursor.execute("COMMIT")
        self._checkpoint()

    def _checkpoint(self) -> None:
        """Every so many writes, or once the log is a few MiB long (big transactions: an import),
        copies the write-ahead log into the file, outside the writers' turn. SQLite
        would do it inside the COMMIT that crosses 1000 pages of log, with the write lock held,
        and with synchronous=NORMAL or FULL that means two fsyncs every writer of every process
        waits for. A PASSIVE checkpoint lets writers go on meanwhile; what it cannot copy (a
        reader still needs it) the next one does. A long log slows every read down."""
        with self._lock:
            self._writes += 1
            if self._writes < CHECKPOINT_EVERY and (self._writes < 4 or self._log_size() < CHECKPOINT_LOG_SIZE):
                return
            self._writes = 0
        try:
            self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:  # the write has committed whatever happens here
            log.warning("checkpointing %s failed; the next one retries", self._path, exc_info=True)

    def _log_size(self) -> int:
        """The log file's size. Once copied in, the log is written again from its start and cut
        to LOG_SIZE_KEPT at that commit: the file is past CHECKPOINT_LOG_SIZE only when more
        than their difference was written since."""
        try:
            return os.stat(f"{self._path}-wal").st_size
        except OSError:
            return 0

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """The cross-process turn and BEGIN IMMEDIATE; the caller commits or rolls back. Whatever
        it leaves open is rolled back before the turn passes on."""
        with self._file_lock or nullcontext():
            cursor = self.connection().cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            finally:
                if cursor.connection.in_transaction:
                    cursor.execute("ROLLBACK")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        with translated_errors():
            yield self.connection().cursor()

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        if self._file_lock is not None:
            self._file_lock.close()
        self.engine.dispose()
