from pathlib import Path

from adapters.memory import MemoryEventStore, MemorySnapshotStore
from application.ports import EventStore, SnapshotStore
from tests.contract.event_store_contract import EventStoreContract


class TestMemoryEventStore(EventStoreContract):
    def make_stores(self, tmp_path: Path) -> tuple[EventStore, SnapshotStore]:
        return MemoryEventStore(), MemorySnapshotStore()
