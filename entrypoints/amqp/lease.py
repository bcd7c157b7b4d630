"""One relay per host and data directory: an exclusive lock on a file, held while relaying.

Two relays on one outbox would both publish every event; one is enough and keeps the order
simple. The lock is the operating system's (flock), so it goes with the process that holds it,
however that process ends. Relays on different hosts must be kept to one by deployment.
"""

import fcntl
import os
from pathlib import Path
from types import TracebackType


class RelayLease:
    """The relay lease of one lock file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    def try_acquire(self) -> bool:
        """Takes the lease if no one holds it; True if this process holds it now."""
        if self._descriptor is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def release(self) -> None:
        """Gives the lease back (if held); another process may take it."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)

    def __enter__(self) -> "RelayLease":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()
