"""The write-ahead log is copied into the database file every so many writes, outside the
writers' turn (our connections leave SQLite's own checkpoint in the COMMIT off)."""

import os
import sqlite3
from pathlib import Path

from adapters.sqlite import SQLiteDatabase, create_sqlite_engine
from adapters.sqlite.engine import CHECKPOINT_EVERY

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


def test_our_connections_leave_the_checkpoint_out_of_the_commit(tmp_path: Path) -> None:
    database = SQLiteDatabase(create_sqlite_engine(str(tmp_path / "events.db")))
    assert database.connection().execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    database.close()
