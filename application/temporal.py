"""Questions about the past, answered from the events: as of a version or a moment."""

from datetime import datetime
from typing import TypeVar

from application.envelope import StoredEvent
from application.errors import NotFound
from application.repository import AggregateRepository
from domain import values
from domain.aggregate import Aggregate
from domain.discounts import PriceQuote
from domain.pricing import PriceHistory, pricing_id

A = TypeVar("A", bound=Aggregate)


class TemporalQueries:
    def __init__(self, repository: AggregateRepository, snapshot_every: int = 0) -> None:
        """`snapshot_every`: a price history rebuilt from this many events or more past its
        latest snapshot is snapshotted (no command changes it, so no commit does); 0: never."""
        self.repository = repository
        self.snapshot_every = snapshot_every

    def state(self, cls: type[A], entity_id: str, version: int | None = None,
              as_of: datetime | None = None) -> A:
        """The entity rebuilt at a version or as it stood at a moment (snapshots help)."""
        aggregate, _ = self.repository.load(cls, values.entity_id(entity_id), version, as_of)
        if not aggregate.exists or (version is not None and aggregate.version < version):
            raise NotFound(f"{cls.AGGREGATE_TYPE} {entity_id} has no version "
                           f"{version if version is not None else 'at ' + str(as_of)}")
        return aggregate

    def price(self, product_id: str, currency: str, at: datetime, known_at: datetime | None = None) -> PriceQuote:
        """The price in effect at `at`, as the catalog knew it at `known_at` (default: now)."""
        return self.quoted(product_id, currency, at, known_at)[0]

    def quoted(self, product_id: str, currency: str, at: datetime,
               known_at: datetime | None = None) -> tuple[PriceQuote, int]:
        """As `price`, with the version of the product's prices the answer stands on: the last
        change recorded by `known_at`."""
        history, _ = self.repository.load_keeping_snapshots(PriceHistory, pricing_id(values.entity_id(product_id)),
                                                            self.snapshot_every, up_to_time=known_at)
        quote = history.quote(currency, at)
        if quote is None:
            raise NotFound(f"product {product_id} had no {currency} price at {at.isoformat()}")
        return quote, history.version

    def history(self, entity_id: str, of: type[Aggregate] | None = None) -> list[StoredEvent]:
        """Every event of the entity's stream, oldest first: the audit trail; with `of`, only when
        the stream is one of that aggregate type (a product's id names no category)."""
        events = self.repository.history(values.entity_id(entity_id))
        if not events or (of is not None and events[0].aggregate_type != of.AGGREGATE_TYPE):
            raise NotFound(f"{entity_id} has no history" if of is None else
                           f"{of.AGGREGATE_TYPE} {entity_id} has no history")
        return events
