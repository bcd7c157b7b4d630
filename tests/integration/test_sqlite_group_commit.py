"""Group commit on a real SQLite file: writers that queue share a transaction, each in its own
savepoint, and one that fails fails alone; every writer returns only after its commit."""

import fcntl
import os
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.sqlite import SQLiteDatabase, SQLiteEventStore, create_schema, create_sqlite_engine
from adapters.sqlite import engine as engine_module
from application.envelope import IndexChanges, StoredEvent, StreamWrite
from application.errors import ConcurrencyError, StoreUnavailable, UniquenessViolation
from tests.contract.stream_builders import new_id, price_event


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    engine = create_sqlite_engine(str(tmp_path / "events.db"))
    create_schema(engine)
    database = SQLiteDatabase(engine)
    yield database
    database.close()


def _queue_behind_a_held_turn(database: SQLiteDatabase, calls: list[Callable[[], Any]]) -> list[Any]:
    """A first writer holds the write lock while the calls queue their writes behind it; then
    it lets go and they run. Returns each call's outcome (its result or its error), after the
    first writer's."""
    outcomes: list[Any] = [None] * (len(calls) + 1)
    holding, release = threading.Event(), threading.Event()

    def hold(cursor: sqlite3.Cursor) -> str:
        holding.set()
        release.wait(10)
        return "held"

    def call(index: int, function: Callable[[], Any]) -> None:
        try:
            outcomes[index] = function()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error

    threads = [threading.Thread(target=call, args=(0, lambda: database.transact(hold)))]
    threads[0].start()
    assert holding.wait(10)
    for index, function in enumerate(calls, start=1):
        threads.append(threading.Thread(target=call, args=(index, function)))
        threads[-1].start()
        _wait_until_queued(database, index)  # in this order
    release.set()
    for thread in threads:
        thread.join(10)
    return outcomes


def _wait_until_queued(database: SQLiteDatabase, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(database._group_commit._queue) < count:  # noqa: SLF001 - the queue is what is under test
        assert time.monotonic() < deadline, "the writers never queued"
        time.sleep(0.001)


def test_writers_queued_behind_a_transaction_share_the_next_one(database: SQLiteDatabase) -> None:
    with database.write() as cursor:
        cursor.execute("CREATE TABLE seen (writer INTEGER, rows_visible INTEGER, thread INTEGER)")

    def insert(writer: int) -> Callable[[], int]:
        def work(cursor: sqlite3.Cursor) -> int:
            (visible,) = cursor.execute("SELECT count(*) FROM seen").fetchone()
            cursor.execute("INSERT INTO seen VALUES (?, ?, ?)", (writer, visible, threading.get_ident()))
            return int(visible)
        return lambda: database.transact(work)

    outcomes = _queue_behind_a_held_turn(database, [insert(n) for n in range(5)])
    assert outcomes[0] == "held"
    # each saw the rows of those queued before it: one transaction, in queue order
    assert outcomes[1:] == [0, 1, 2, 3, 4]
    with database.read() as cursor:
        threads = {row[0] for row in cursor.execute("SELECT DISTINCT thread FROM seen")}
    assert len(threads) == 1, "one leader ran the whole group"


def test_a_failing_write_in_a_group_fails_alone_and_leaves_no_gap(database: SQLiteDatabase) -> None:
    store = SQLiteEventStore(database)
    streams = [new_id() for _ in range(4)]

    def create(entity: str, *skus: str) -> Callable[[], list[StoredEvent]]:
        write = StreamWrite(entity, 0, (price_event(entity, 1),))
        return lambda: store.commit([write], IndexChanges(claims={sku: entity for sku in skus}))

    outcomes = _queue_behind_a_held_turn(database, [
        create(streams[0], "sku:A"), create(streams[1], "sku:B"),
        create(streams[2], "sku:D", "sku:A"),  # D is free; A the first of the group has just claimed
        create(streams[3], "sku:C")])
    assert isinstance(outcomes[3], UniquenessViolation)
    assert [[event.position for event in outcomes[n]] for n in (1, 2, 4)] == [[1], [2], [3]]
    feed = store.read_feed(0, 0)
    assert [(event.entity_id, event.position) for event in feed] == [
        (streams[0], 1), (streams[1], 2), (streams[3], 3)], "the feed has no gap where one rolled back"
    assert store.load(streams[2]) == []
    assert store.owner_of("sku:A") == streams[0]
    assert store.owner_of("sku:C") == streams[3]
    assert store.owner_of("sku:D") is None, "the failed write's first claim rolled back with it"


def test_a_driver_error_in_a_group_becomes_the_ports_error_for_its_writer_only(database: SQLiteDatabase) -> None:
    with database.write() as cursor:
        cursor.execute("CREATE TABLE once (key TEXT PRIMARY KEY)")

    def insert(key: str) -> Callable[[], int]:
        return lambda: database.transact(lambda cursor: cursor.execute("INSERT INTO once VALUES (?)", (key,)).rowcount)

    outcomes = _queue_behind_a_held_turn(database, [insert("a"), insert("a"), insert("b")])
    assert outcomes[1] == 1 and outcomes[3] == 1
    assert isinstance(outcomes[2], ConcurrencyError)
    assert isinstance(outcomes[2].__cause__, sqlite3.IntegrityError)
    with database.read() as cursor:
        assert [row[0] for row in cursor.execute("SELECT key FROM once ORDER BY key")] == ["a", "b"]


def test_a_writer_alone_has_committed_when_it_returns(database: SQLiteDatabase) -> None:
    with database.write() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    assert database.transact(lambda cursor: cursor.execute("INSERT INTO t VALUES (1)").rowcount) == 1
    other = sqlite3.connect(str(database.engine.url.database))
    assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
    other.close()


def test_a_writer_alone_that_fails_writes_nothing(database: SQLiteDatabase) -> None:
    with database.write() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")

    def half_then_fail(cursor: sqlite3.Cursor) -> None:
        cursor.execute("INSERT INTO t VALUES (1)")
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        database.transact(half_then_fail)
    with database.read() as cursor:
        assert cursor.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_when_sqlite_rolls_the_group_back_every_writer_fails_retryably(database: SQLiteDatabase) -> None:
    """A claims X; B is refused X (taken by A); C fills the disk and SQLite rolls back the whole
    transaction: A's claim is undone, so B's refusal must not stand either."""
    store = SQLiteEventStore(database)
    with database.write() as cursor:
        cursor.execute("CREATE TABLE blobs (b BLOB)")
        (pages,) = cursor.execute("PRAGMA page_count").fetchone()

    def on_a_small_disk(call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            database.connection().execute(f"PRAGMA max_page_count={pages + 50}")
            return call()
        return run

    def create(entity: str) -> Callable[[], Any]:
        write = StreamWrite(entity, 0, (price_event(entity, 1),))
        return on_a_small_disk(lambda: store.commit([write], IndexChanges(claims={"sku:X": entity})))

    fill = on_a_small_disk(lambda: database.transact(
        lambda cursor: cursor.execute("INSERT INTO blobs VALUES (zeroblob(4000000))")))
    outcomes = _queue_behind_a_held_turn(database, [create(new_id()), create(new_id()), fill])
    assert [type(outcome) for outcome in outcomes[1:]] == [StoreUnavailable] * 3
    assert store.owner_of("sku:X") is None
    assert store.read_feed(0, 0) == []


def test_writers_failing_together_each_raise_their_own_error(database: SQLiteDatabase) -> None:
    """Another process holds the lock past the timeout; six writers fail together, each with an
    exception of its own (one object raised in six threads would gather all their tracebacks)."""
    short = SQLiteDatabase(database.engine, busy_timeout_s=0.2)
    holder = os.open(f"{database.engine.url.database}.writers", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            short.transact(lambda cursor: None)
        except StoreUnavailable as error:
            errors.append(error)

    writers = [threading.Thread(target=write) for _ in range(6)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(10)
    os.close(holder)
    assert len(errors) == 6
    assert len({id(error) for error in errors}) == 6
    assert len({len(traceback.format_exception(error)) for error in errors}) == 1


def test_a_checkpoint_that_fails_after_the_commit_does_not_fail_the_write(
        database: SQLiteDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "CHECKPOINT_EVERY", 1)
    with database.write() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    database.connection().set_authorizer(lambda action, name, *_: sqlite3.SQLITE_DENY if (
        action == sqlite3.SQLITE_PRAGMA and name == "wal_checkpoint") else sqlite3.SQLITE_OK)
    database.transact(lambda cursor: cursor.execute("INSERT INTO t VALUES (1)"))
    with database.read() as cursor:
        assert cursor.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_a_unit_of_work_over_thousands_of_streams_commits(database: SQLiteDatabase) -> None:
    store = SQLiteEventStore(database)
    streams = [new_id() for _ in range(2100)]  # past SQLite's 2000 columns in one result row
    store.commit([StreamWrite(entity, 0, (price_event(entity, 1),)) for entity in streams])
    assert len(store.read_feed(0, 0, limit=5000)) == 2100
    with pytest.raises(ConcurrencyError):
        store.commit([StreamWrite(entity, 0, (price_event(entity, 1),)) for entity in streams[::-1]])
