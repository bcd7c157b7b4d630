"""Writers in several processes on one SQLite file: they take turns at the lock file beside it,
lose and duplicate nothing, and a holder that dies or stalls does not stop the others for good."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from adapters.sqlite import SQLiteDatabase, SQLiteEventStore, create_schema, create_sqlite_engine
from adapters.sqlite.file_lock import FileWriteLock
from application.errors import StoreUnavailable
from tests.contract.stream_builders import new_id

WRITER = textwrap.dedent("""
    import sys
    from collections import defaultdict
    from adapters.sqlite import SQLiteDatabase, SQLiteEventStore, create_sqlite_engine
    from application.errors import ConcurrencyError
    from tests.contract.stream_builders import price_event

    path, appends, streams = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    store = SQLiteEventStore(SQLiteDatabase(create_sqlite_engine(path, synchronous="NORMAL")))
    known = defaultdict(int)
    for n in range(appends):
        entity = streams[n % len(streams)]
        while True:
            known[entity] += len(store.load(entity, after_version=known[entity]))
            try:
                store.append(entity, known[entity], [price_event(entity, known[entity] + 1)])
            except ConcurrencyError:
                continue
            known[entity] += 1
            break
""")

HOLDER = textwrap.dedent("""
    import sys, time
    from adapters.sqlite.file_lock import FileWriteLock
    with FileWriteLock(sys.argv[1], 5):
        print("holding", flush=True)
        time.sleep(60)
""")

FORKING_HOLDER = textwrap.dedent("""
    import os, sys, time
    from adapters.sqlite.file_lock import FileWriteLock
    lock = FileWriteLock(sys.argv[1], 5)
    lock.__enter__()
    child = os.fork()
    if child == 0:
        time.sleep(60)  # lives on with whatever it inherited
        os._exit(0)
    print(child, flush=True)
    os._exit(0)  # dies holding the lock
""")


def _python(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *args], text=True, stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


def test_writers_in_three_processes_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "events.db")
    engine = create_sqlite_engine(path)
    create_schema(engine)
    streams = [new_id() for _ in range(3)]
    writers = [_python(WRITER, path, "150", *streams) for _ in range(3)]
    for writer in writers:
        assert writer.wait(120) == 0
    store = SQLiteEventStore(SQLiteDatabase(engine))
    for entity in streams:
        assert [event.sequence_number for event in store.load(entity)] == list(range(1, 151))
    feed = store.read_feed(0, 0, limit=1000)
    assert [event.position for event in feed] == list(range(1, 451))
    assert len({event.event_id for event in feed}) == 450


@contextmanager
def _holder(lock_path: str) -> Iterator[subprocess.Popen[str]]:
    holder = _python(HOLDER, lock_path)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        holder.kill()
        holder.wait(10)


def test_a_writer_that_dies_holding_the_lock_lets_the_others_in(tmp_path: Path) -> None:
    lock_path = str(tmp_path / "events.db.writers")
    with _holder(lock_path) as holder:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        started = time.monotonic()
        with FileWriteLock(lock_path, 5):
            assert time.monotonic() - started < 1


def test_a_writer_that_dies_holding_the_lock_lets_the_others_in_though_it_forked(tmp_path: Path) -> None:
    lock_path = str(tmp_path / "events.db.writers")
    holder = _python(FORKING_HOLDER, lock_path)
    assert holder.stdout is not None
    child = int(holder.stdout.readline())
    try:
        assert holder.wait(10) == 0
        started = time.monotonic()
        with FileWriteLock(lock_path, 5):
            assert time.monotonic() - started < 1
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_writer_that_stalls_holding_the_lock_makes_the_others_fail_after_the_timeout(tmp_path: Path) -> None:
    lock_path = str(tmp_path / "events.db.writers")
    with _holder(lock_path):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="held"), FileWriteLock(lock_path, 0.3):
            pass
        assert 0.3 <= time.monotonic() - started < 2
