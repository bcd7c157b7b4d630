"""The writers of every process take turns at one lock file before SQLite's own write lock.

Without it, two processes writing to one SQLite file (two HTTP workers, the consumer, the relay)
meet in SQLite's busy handler, which sleeps 1 ms, then 2, 5, 10... however short the transaction
in the way: at a few hundred writes a second most of them would wait milliseconds for a lock
held for a tenth of one. `flock` queues them in the kernel and wakes the next as the holder
lets go; a process that dies lets go with it.

A process that stops while it holds the lock (SIGSTOP, a debugger) makes the others wait
`timeout_s`, then fail as they would on SQLite's lock.
"""

import fcntl
import os
import threading
import time
import weakref
from types import TracebackType

from application.errors import StoreUnavailable

FIRST_PAUSE_S, LONGEST_PAUSE_S = 0.00001, 0.0001


class FileWriteLock:
    """One per database and process; the process's own threads must queue before it (the
    lock is the process's: a second thread would simply be let in)."""

    def __init__(self, path: str, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._descriptor: int | None = None  # this process's own: a child forgets its parent's
        self._open_lock = threading.Lock()
        this = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (lock := this()) is not None and lock._forget_inherited())

    def __enter__(self) -> "FileWriteLock":
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait(descriptor)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._descriptor is not None:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)

    def _wait(self, descriptor: int) -> None:
        """Short pauses first: the holder's transaction is usually done within a fraction of a
        millisecond. (A blocking flock cannot time out.)"""
        deadline, pause = time.monotonic() + self.timeout_s, FIRST_PAUSE_S
        while True:
            time.sleep(pause)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreUnavailable(f"another process has held {self.path} for over {self.timeout_s}s") from None
                pause = min(LONGEST_PAUSE_S, pause * 2)

    def _open(self) -> int:
        """The lock file, opened once per process (see `_forget_inherited`)."""
        with self._open_lock:
            if self._descriptor is None:
                self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            return self._descriptor

    def _forget_inherited(self) -> None:
        """In a child just forked: a descriptor inherited shares its lock with the parent, and
        kept open it would keep a lock the parent held when it died; the child opens its own."""
        self._open_lock = threading.Lock()
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def close(self) -> None:
        with self._open_lock:
            if self._descriptor is not None:
                os.close(self._descriptor)
            self._descriptor = None
