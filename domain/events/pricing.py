"""Events of the Pricing aggregate (one per product)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from domain.events.base import DomainEvent


@dataclass(frozen=True, slots=True)
class PricingEvent(DomainEvent):
    AGGREGATE: ClassVar[str] = "price"


@dataclass(frozen=True, slots=True)
class PriceSet(PricingEvent):
    """The first base price of the product in a currency."""

    productId: str
    currency: str
    amount: Decimal
    effectiveFrom: datetime


@dataclass(frozen=True, slots=True)
class PriceChanged(PricingEvent):
    productId: str
    currency: str
    amount: Decimal
    previousAmount: Decimal
    effectiveFrom: datetime


@dataclass(frozen=True, slots=True)
class PriceChangeScheduled(PricingEvent):
    productId: str
    currency: str
    amount: Decimal
    effectiveFrom: datetime


@dataclass(frozen=True, slots=True)
class DiscountAdded(PricingEvent):
    """`kind` is "percentage" (value in percent) or "fixed" (value in `currency`)."""

    productId: str
    discountId: str
    kind: str
    value: Decimal
    currency: str | None
    validFrom: datetime | None
    validUntil: datetime | None


@dataclass(frozen=True, slots=True)
class DiscountRemoved(PricingEvent):
    productId: str
    discountId: str
    removedAt: datetime
