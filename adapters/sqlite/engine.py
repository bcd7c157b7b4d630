"""The SQLAlchemy engine for an SQLite file: WAL, a busy timeout, explicit write transactions."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event

from application.errors import ConcurrencyError, StoreUnavailable

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def create_sqlite_engine(path: str, synchronous: str = "FULL", busy_timeout_s: float = 30.0) -> Engine:
    """`synchronous=FULL` makes every commit durable against power loss; NORMAL (with WAL) still
    survives a process crash but may lose the last commits if the machine loses power."""
    if synchronous.upper() not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}")
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "isolation_level": None, "timeout": busy_timeout_s},
        pool_size=8, max_overflow=24,
    )
    event.listen(engine, "connect", lambda connection, _: _configure(connection, synchronous.upper()))
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


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Any]:
    """A cursor inside BEGIN IMMEDIATE: writers queue for the lock, so commit order is position order."""
    with translated_errors():
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        finally:
            connection.close()


@contextmanager
def read_cursor(engine: Engine) -> Iterator[Any]:
    with translated_errors():
        connection = engine.raw_connection()
        try:
            yield connection.cursor()
        finally:
            connection.close()
