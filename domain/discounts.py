"""Discounts and how they apply to a base price.

When several discounts apply at the same moment they do not stack: the one that gives the
lowest price wins. A discount never takes a price below zero.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from domain.currencies import MINOR_UNITS

PERCENTAGE, FIXED = "percentage", "fixed"
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Discount:
    discount_id: str
    kind: str
    value: Decimal
    currency: str | None
    valid_from: datetime | None
    valid_until: datetime | None

    def ending(self, moment: datetime) -> "Discount":
        until = moment if self.valid_until is None else min(self.valid_until, moment)
        return Discount(self.discount_id, self.kind, self.value, self.currency, self.valid_from, until)

    def is_valid_at(self, moment: datetime) -> bool:
        starts_ok = self.valid_from is None or self.valid_from <= moment
        return starts_ok and (self.valid_until is None or moment < self.valid_until)

    def applies_to(self, currency: str, moment: datetime) -> bool:
        same_currency = self.kind == PERCENTAGE or self.currency == currency
        return same_currency and self.is_valid_at(moment)

    def apply(self, base: Decimal, currency: str) -> Decimal:
        if self.kind == PERCENTAGE:
            reduced = base * (HUNDRED - self.value) / HUNDRED
        else:
            reduced = base - self.value
        exponent = Decimal(1).scaleb(-MINOR_UNITS[currency])
        return max(reduced, Decimal(0)).quantize(exponent, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """The base price at a moment, the discount chosen (if any) and the resulting price."""

    currency: str
    base: Decimal
    effective: Decimal
    discount: Discount | None


def best_quote(currency: str, base: Decimal, discounts: list[Discount], moment: datetime) -> PriceQuote:
    quote = PriceQuote(currency, base, base, None)
    for discount in discounts:
        if discount.applies_to(currency, moment):
            price = discount.apply(base, currency)
            if price < quote.effective:
                quote = PriceQuote(currency, base, price, discount)
    return quote
