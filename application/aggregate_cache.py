"""Recently used aggregates, kept in memory and lent to one unit of work at a time."""

import threading
from collections import OrderedDict
from datetime import datetime
from typing import TypeVar

from domain.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)


class AggregateCache:
    """A cached aggregate is always the exact fold of the first `version` events of its stream:
    it was built from them, or it recorded them and they were committed. A load therefore takes
    it and replays only the events appended since, by this process or any other. Taking removes
    the entry, so no two units of work ever share one mutable object; an aggregate whose unit of
    work failed is simply never given back.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, tuple[Aggregate, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, cls: type[A], entity_id: str) -> tuple[A, datetime | None] | None:
        with self._lock:
            entry = self._entries.get(entity_id)
            if entry is None or type(entry[0]) is not cls:
                return None
            del self._entries[entity_id]
        return entry  # type: ignore[return-value]

    def give(self, aggregate: Aggregate, last_timestamp: datetime | None) -> None:
        if self.capacity <= 0 or aggregate.has_changes:
            return
        with self._lock:
            self._entries[aggregate.id] = (aggregate, last_timestamp)
            self._entries.move_to_end(aggregate.id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
