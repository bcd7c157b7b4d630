"""The write-ahead log is copied into the database file every so many writes, outside the
writers' turn (our connections leave SQLite's own checkpoint in the COMMIT off)."""

import os
import sqlite3
from pathlib import Path

from adapters.sqlite import SQLiteDatabase, create_sqlite_engine
from adapters.sqlite.engine import CHECKPOINT_EVERY, CHECKPOINT_LOG_SIZE

ROW = "x" * 3000  # most of a page per write, so that an unchecked log would grow fast


def test_the_log_stays_small_however_many_writes(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    database = SQLiteDatabase(create_sqlite_engine(str(path), synchronous="NORMAL"))
    with database.write() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, payload TEXT)")
    writes = CHECKPOINT_EVERY * 8
    for n in range(writes):
        database.transact(lambda cursor, n=n: cursor.execute("INSERT INTO t VALUES (?, ?)", (n, ROW)))
    log = os.path.getsize(f"{path}-wal")
    # without checkpoints the log would hold every write: over 8 KiB each (a leaf and an interior page)
    assert log < writes * 8192 / 3, f"the log is {log} bytes after {writes} writes"
    assert os.path.getsize(path) > writes * len(ROW) / 2, "the rows reached the database file"
    database.close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchone() == (writes,)


def test_the_log_stays_small_however_big_the_writes(tmp_path: Path) -> None:
    """An import writes a few hundred aggregates per commit: far fewer commits than
    CHECKPOINT_EVERY can make a long log, which slows every read down."""
    path = tmp_path / "events.db"
    database = SQLiteDatabase(create_sqlite_engine(str(path), synchronous="NORMAL"))
    with database.write() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, payload TEXT)")
    rows_per_write, writes = 400, 40  # over a MiB each
    for write in range(writes):
        database.transact(lambda cursor, write=write: cursor.executemany(
            "INSERT INTO t VALUES (?, ?)", [(write * rows_per_write + n, ROW) for n in range(rows_per_write)]))
    assert writes < CHECKPOINT_EVERY
    assert os.path.getsize(f"{path}-wal") < CHECKPOINT_LOG_SIZE * 1.5
    database.close()


def test_our_connections_leave_the_checkpoint_out_of_the_commit(tmp_path: Path) -> None:
    database = SQLiteDatabase(create_sqlite_engine(str(tmp_path / "events.db")))
    assert database.connection().execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    database.close()
