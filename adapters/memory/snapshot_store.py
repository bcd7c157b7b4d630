"""Snapshots held in process memory."""

import threading
from datetime import datetime

from application.envelope import Snapshot
from application.ports import SnapshotStore


class MemorySnapshotStore(SnapshotStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: dict[str, dict[int, Snapshot]] = {}

    def save(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshots.setdefault(snapshot.entity_id, {})[snapshot.version] = snapshot

    def latest(self, entity_id: str, schema_version: int, up_to_version: int | None = None,
               up_to_time: datetime | None = None) -> Snapshot | None:
        with self._lock:
            candidates = [
                snapshot for snapshot in self._snapshots.get(entity_id, {}).values()
                if snapshot.schema_version == schema_version
                and (up_to_version is None or snapshot.version <= up_to_version)
                and (up_to_time is None or snapshot.timestamp <= up_to_time)
            ]
        return max(candidates, key=lambda snapshot: snapshot.version, default=None)
