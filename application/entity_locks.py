"""Commands on one entity take turns inside a process.

Two threads changing the same aggregate at once would both load it, both decide, and one would
lose the append and start again (more often the more threads press on it). Queueing them
instead costs the second one only the wait; writers in other processes are still caught by
the store's version check and retried.
"""

import threading
from typing import Any

from domain.commands import Command


class EntityLocks:
    """A fixed set of locks, an entity's chosen by its id (distinct entities rarely share one)."""

    def __init__(self, stripes: int = 1024) -> None:
        self._locks: list[Any] = [threading.Lock() for _ in range(stripes)]

    def of(self, command: Command) -> "threading.Lock | None":
        """The lock of the entity the command is about; None when it names none."""
        entity_id = getattr(command, "product_id", None) or getattr(command, "category_id", None)
        return self._locks[hash(entity_id) % len(self._locks)] if isinstance(entity_id, str) else None
