"""The data that crosses the ports: stored events, snapshots and atomic writes."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple


class StoredEvent(NamedTuple):
    """An event as every store keeps it: the envelope and the event's data."""

    entity_id: str
    sequence_number: int
    event_id: str
    event_type: str
    event_version: int
    aggregate_type: str
    data: dict[str, Any]
    timestamp: datetime
    user_id: str
    correlation_id: str
    causation_id: str
    position: int = 0  # position in the store's global feed (its shard), set when committed
    shard: int = 0

    def envelope(self) -> dict[str, Any]:
        """The public JSON form: the one the API, the audit trail and the broker carry."""
        return {
            "entityId": self.entity_id,
            "sequenceNumber": self.sequence_number,
            "eventId": self.event_id,
            "eventType": self.event_type,
            "eventVersion": self.event_version,
            "aggregateType": self.aggregate_type,
            "eventData": self.data,
            "timestamp": format_timestamp(self.timestamp),
            "userId": self.user_id,
            "correlationId": self.correlation_id,
            "causationId": self.causation_id,
        }


def format_timestamp(moment: datetime) -> str:
    """UTC, ISO 8601, millisecond precision, 'Z' suffix: sorts as text in time order."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Snapshot:
    """An aggregate's state after `version` events; `timestamp` is that event's time.
    `entity_id` is the stream's, or "<stream>/<name>" for a class that keeps its snapshots of
    the stream apart (see Aggregate.SNAPSHOT_NAME)."""

    entity_id: str
    aggregate_type: str
    version: int
    schema_version: int
    state: dict[str, Any]
    timestamp: datetime


@dataclass(frozen=True)
class StreamWrite:
    """New events for one stream, on condition that the stream is at `expected_version`."""

    entity_id: str
    expected_version: int
    events: tuple[StoredEvent, ...]


@dataclass(frozen=True)
class IndexChanges:
    """Unique keys and references that change together with the events, atomically.

    `claims` maps a unique key (``sku:ABC``) to its owner; a key can be released only while
    nothing refers to it. `references` are (target key, source) pairs: the target must be
    claimed when the reference is added.
    """

    claims: dict[str, str] = field(default_factory=dict)
    releases: dict[str, str] = field(default_factory=dict)
    references: tuple[tuple[str, str], ...] = ()
    dereferences: tuple[tuple[str, str], ...] = ()

    def __or__(self, other: "IndexChanges") -> "IndexChanges":
        return IndexChanges({**self.claims, **other.claims}, {**self.releases, **other.releases},
                            self.references + other.references, self.dereferences + other.dereferences)

    def __bool__(self) -> bool:
        return bool(self.claims or self.releases or self.references or self.dereferences)


NO_INDEX_CHANGES = IndexChanges()
