"""The price history: every base price change and discount change of a product, as recorded.

An entry is the event's data (upcast to its current schema, money as decimal strings) with
who recorded it and when; entries are kept even after the product is deleted.
"""

from typing import Any

from application.envelope import StoredEvent, format_timestamp
from application.projections.changes import Change, Projection, Row, Upsert
from domain.events.base import DomainEvent
from domain.events.pricing import DiscountAdded, DiscountRemoved, PriceChanged, PriceChangeScheduled, PriceSet

HISTORY = "price_history"


def _recorded(event: DomainEvent, envelope: StoredEvent) -> list[Change]:
    data = dict(envelope.data)
    product_id = data.pop("productId")
    return [Upsert(HISTORY, {"product_id": product_id, "sequence": envelope.sequence_number,
                             "event_id": envelope.event_id, "event_type": envelope.event_type,
                             "timestamp": format_timestamp(envelope.timestamp), "user_id": envelope.user_id,
                             "data": data})]


PRICE_HISTORY = Projection("price_history", (HISTORY,), {
    event_type: _recorded
    for event_type in (PriceSet, PriceChanged, PriceChangeScheduled, DiscountAdded, DiscountRemoved)
})


def history_entry(row: Row) -> dict[str, Any]:
    """One entry as the query API shows it, e.g. ``{"eventType": "PriceChanged", "amount": "17.99", ...}``."""
    return {"eventType": row["event_type"], "eventId": row["event_id"], "sequenceNumber": row["sequence"],
            "timestamp": row["timestamp"], "userId": row["user_id"], **row["data"]}
