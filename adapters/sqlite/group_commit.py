"""Group commit: the writes that queue for the lock while one transaction runs share the next.

A commit is the dear part of a small write (the pages written to the log and, with
`synchronous=FULL`, an fsync), and writers take turns for the file's one write lock anyway.
So a writer puts its work in a queue and takes the turn; whoever gets the turn runs every
queued work in one transaction, each inside its own savepoint, and commits once. A work that
fails rolls back to its savepoint alone and its writer gets its error; the others commit. A
writer whose work another ran finds its outcome when its own turn comes, and returns: nobody
returns before the commit that holds its write (or has failed).

Alone, a writer pays one uncontended lock more than a plain transaction and nothing else.
"""

import copy
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Work = Callable[[sqlite3.Cursor], T]


class _Queued(Generic[T]):
    __slots__ = ("work", "done", "result", "error")

    def __init__(self, work: Work[T]) -> None:
        self.work = work
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]

    def fail(self, error: BaseException) -> None:
        """This writer's own copy of an error the whole group shares: one exception object
        raised in several threads would gather all their tracebacks."""
        copied = copy.copy(error)
        copied.__cause__ = error.__cause__
        self.error, self.result = copied, None


class GroupCommit:
    """Runs queued works in shared transactions.

    `turn` is where this process's writers queue (a lock); `transaction` enters a writing
    transaction (whatever lock other processes' writers take, then BEGIN IMMEDIATE) and gives
    its cursor, and on leaving rolls back whatever this class did not commit and lets the lock
    go; `translate` turns a driver error into the port's error and leaves others as they are.
    """

    def __init__(self, turn: AbstractContextManager[Any],
                 transaction: Callable[[], AbstractContextManager[sqlite3.Cursor]],
                 translate: Callable[[BaseException], BaseException]) -> None:
        self._turn = turn
        self._transaction = transaction
        self._translate = translate
        self._queue: list[_Queued[Any]] = []
        self._queue_lock = threading.Lock()

    def run(self, work: Work[T]) -> T:
        queued = _Queued(work)
        with self._queue_lock:
            self._queue.append(queued)
        with self._turn:
            if not queued.done:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                try:
                    with self._transaction() as cursor:
                        self._run_group(cursor, group)
                except BaseException as error:  # noqa: BLE001 - the lock or BEGIN failed: for all not done
                    _fail_all([each for each in group if not each.done], self._translate(error))
        return queued.outcome()

    def _run_group(self, cursor: sqlite3.Cursor, group: list[_Queued[Any]]) -> None:
        if len(group) == 1:
            self._run_alone(cursor, group[0])
            return
        for queued in group:
            self._run_in_savepoint(cursor, queued)
            if not cursor.connection.in_transaction:
                # SQLite rolled the whole transaction back (a full disk, an I/O error): nothing
                # of the group is written, and an error a work met may rest on what an earlier
                # one wrote (a SKU it had claimed): every writer gets the store's failure
                rolled_back = StoreRolledBack(f"SQLite rolled the transaction back: {queued.error}")
                _fail_all(group, self._translate(rolled_back))
                return
        self._commit(cursor, group)

    def _run_alone(self, cursor: sqlite3.Cursor, queued: _Queued[Any]) -> None:
        """One work, the transaction its own: no savepoint; on failure nothing is committed."""
        try:
            queued.result = queued.work(cursor)
        except BaseException as error:  # noqa: BLE001 - handed to the writer whose work it is
            queued.error, queued.done = self._translate(error), True
            return
        self._commit(cursor, [queued])

    def _run_in_savepoint(self, cursor: sqlite3.Cursor, queued: _Queued[Any]) -> None:
        cursor.execute("SAVEPOINT queued_write")
        try:
            queued.result = queued.work(cursor)
        except BaseException as error:  # noqa: BLE001
            queued.error = self._translate(error)
            if cursor.connection.in_transaction:
                cursor.execute("ROLLBACK TO queued_write")
                cursor.execute("RELEASE queued_write")
            return
        cursor.execute("RELEASE queued_write")

    def _commit(self, cursor: sqlite3.Cursor, group: list[_Queued[Any]]) -> None:
        try:
            cursor.execute("COMMIT")
        except BaseException as error:  # noqa: BLE001 - nothing of the group is written
            _fail_all(group, self._translate(error))
            return
        for queued in group:
            queued.done = True


class StoreRolledBack(sqlite3.OperationalError):
    """SQLite ended the transaction itself after another work's error."""


def _fail_all(group: list[_Queued[Any]], error: BaseException) -> None:
    """The group's transaction is gone: every writer of it fails with the store's error, even
    one that had met its own (it may rest on what another work wrote, now undone)."""
    for queued in group:
        queued.fail(error)
        queued.done = True

