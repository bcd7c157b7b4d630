"""In-memory stores: for unit tests, the contract suite and `PRODUCT_SERVICE_EVENT_STORE=memory`."""

from adapters.memory.event_store import MemoryEventStore
from adapters.memory.snapshot_store import MemorySnapshotStore

__all__ = ["MemoryEventStore", "MemorySnapshotStore"]
