"""Given events → when command → then events: the shape of every domain test.

`given(Product, PRODUCT_ID, product_created())` is the aggregate a command would meet after
those events, with nothing pending; the test calls one command and asserts on
`aggregate.collect_events()`. The builders give each event sensible defaults so a test
names only the fields it is about.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from domain.aggregate import Aggregate
from domain.events import (
    CategoryCreated,
    DiscountAdded,
    PriceChanged,
    PriceChangeScheduled,
    PriceSet,
    ProductCreated,
)
from domain.events.base import DomainEvent

A = TypeVar("A", bound=Aggregate)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)

PRODUCT_ID = "5f0c6e9a-3d4b-4f5e-9a7c-1b2d3e4f5a60"
SECOND_PRODUCT_ID = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"
PRICING_ID = "0d4f7a2e-8c1b-4e3a-b5d6-7f8091a2b3c4"
CATEGORY_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
OTHER_CATEGORY_ID = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
THIRD_CATEGORY_ID = "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f"


def given(cls: type[A], entity_id: str, *events: DomainEvent) -> A:
    """The aggregate rebuilt from `events`; commands called on it record new events."""
    return cls.rehydrate(entity_id, events)


def product_created(**fields: Any) -> ProductCreated:
    defaults: dict[str, Any] = {"sku": "BOOT-1", "name": "Boot", "description": "", "brand": "",
                                "attributes": {}, "categoryIds": (CATEGORY_ID,)}
    return ProductCreated(**{**defaults, **fields})


def category_created(**fields: Any) -> CategoryCreated:
    defaults: dict[str, Any] = {"name": "Shoes", "slug": "shoes", "parentId": None, "description": ""}
    return CategoryCreated(**{**defaults, **fields})


def price_set(amount: str, currency: str = "EUR", at: datetime = NOW) -> PriceSet:
    return PriceSet(productId=PRODUCT_ID, currency=currency, amount=Decimal(amount), effectiveFrom=at)


def price_changed(amount: str, previous: str, currency: str = "EUR", at: datetime = NOW) -> PriceChanged:
    return PriceChanged(productId=PRODUCT_ID, currency=currency, amount=Decimal(amount),
                        previousAmount=Decimal(previous), effectiveFrom=at)


def price_scheduled(amount: str, at: datetime, currency: str = "EUR") -> PriceChangeScheduled:
    return PriceChangeScheduled(productId=PRODUCT_ID, currency=currency, amount=Decimal(amount), effectiveFrom=at)


def discount_added(discount_id: str, kind: str, value: str, currency: str | None = None,
                   valid_from: datetime | None = None, valid_until: datetime | None = None) -> DiscountAdded:
    return DiscountAdded(productId=PRODUCT_ID, discountId=discount_id, kind=kind, value=Decimal(value),
                         currency=currency, validFrom=valid_from, validUntil=valid_until)
