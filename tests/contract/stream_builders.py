"""Builders of envelopes for the contract suite, independent of any domain command."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from application.envelope import StoredEvent

EPOCH = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def price_event(entity_id: str, sequence_number: int, amount: str = "10.00",
                at: datetime | None = None, event_type: str = "PriceChanged") -> StoredEvent:
    data: dict[str, Any] = {"productId": entity_id, "currency": "EUR", "amount": amount,
                            "previousAmount": "1.00", "effectiveFrom": "2026-03-01T12:00:00.000Z"}
    moment = at or EPOCH + timedelta(seconds=sequence_number)
    return StoredEvent(entity_id, sequence_number, new_id(), event_type, 1, "price", data, moment,
                       "alice", "corr-1", f"cmd-{sequence_number}")


def events_for(entity_id: str, start: int, count: int, **kwargs: Any) -> list[StoredEvent]:
    """`count` events continuing a stream that is at version `start - 1`."""
    return [price_event(entity_id, start + offset, **kwargs) for offset in range(count)]
