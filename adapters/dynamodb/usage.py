"""What the stores asked of DynamoDB: requests and consumed capacity per operation, and retries."""

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


@dataclass(frozen=True)
class OperationUsage:
    """Totals for one DynamoDB operation (``TransactWriteItems``, ``Query``…)."""

    requests: int = 0
    read_units: float = 0.0
    write_units: float = 0.0

    def plus(self, read_units: float, write_units: float) -> "OperationUsage":
        return OperationUsage(self.requests + 1, self.read_units + read_units, self.write_units + write_units)


class DynamoDBUsage:
    """Thread-safe counters fed by every request the DynamoDB stores send.

    Capacity is what DynamoDB reports with ``ReturnConsumedCapacity=TOTAL``; an emulator may
    report less (moto reports none for transactions). `retries` counts transaction attempts that
    had to be repeated, by reason (``feed``: another writer advanced the shard first).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._operations: dict[str, OperationUsage] = {}
        self._retries: Counter[str] = Counter()

    def record(self, operation: str, consumed: Any) -> None:
        """Counts one request of `operation` and the capacity its response reported."""
        read_units, write_units = _units(operation, consumed)
        with self._lock:
            self._operations[operation] = self._operations.get(operation, OperationUsage()).plus(
                read_units, write_units)

    def record_retry(self, reason: str) -> None:
        with self._lock:
            self._retries[reason] += 1

    def by_operation(self) -> dict[str, OperationUsage]:
        """A copy of the totals, keyed by DynamoDB operation name."""
        with self._lock:
            return dict(self._operations)

    def retries(self) -> dict[str, int]:
        with self._lock:
            return dict(self._retries)

    def requests(self, operation: str | None = None) -> int:
        """Requests sent, for one operation or in all."""
        return sum(usage.requests for name, usage in self.by_operation().items() if operation in (None, name))

    def capacity(self) -> tuple[float, float]:
        """Read and write capacity units consumed in all."""
        operations = self.by_operation().values()
        return sum(u.read_units for u in operations), sum(u.write_units for u in operations)


def _units(operation: str, consumed: Any) -> tuple[float, float]:
    """(read, write) units of a ConsumedCapacity entry or list of entries (one per table)."""
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    read_units = write_units = 0.0
    for entry in entries:
        read, write = _entry_units(operation, entry)
        read_units, write_units = read_units + read, write_units + write
    return read_units, write_units


def _entry_units(operation: str, entry: Mapping[str, Any]) -> tuple[float, float]:
    if "ReadCapacityUnits" in entry or "WriteCapacityUnits" in entry:
        return float(entry.get("ReadCapacityUnits", 0.0)), float(entry.get("WriteCapacityUnits", 0.0))
    total = float(entry.get("CapacityUnits", 0.0))
    return (total, 0.0) if operation in READ_OPERATIONS else (0.0, total)
