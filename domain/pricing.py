"""The Pricing aggregate: a product's base prices per currency over time, and its discounts."""

import bisect
import functools
import sys
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from domain import values
from domain.aggregate import Aggregate, applies
from domain.discounts import FIXED, HUNDRED, PERCENTAGE, Discount, PriceQuote, best_quote
from domain.errors import InvalidValue, RuleViolation, UnknownPart
from domain.events.pricing import (
    DiscountAdded,
    DiscountRemoved,
    PriceChanged,
    PriceChangeScheduled,
    PriceSet,
)

PRICING_NAMESPACE = uuid.UUID("0b6f1d4e-52a1-4c7e-9a59-7d3f3c1f5a10")
BACKDATING_TOLERANCE = timedelta(minutes=1)


@functools.lru_cache(maxsize=4096)  # a pure function of the id, asked for on every price command
def pricing_id(product_id: str) -> str:
    """The pricing stream of a product has its own id, derived from the product's."""
    return str(uuid.uuid5(PRICING_NAMESPACE, product_id))


class Pricing(Aggregate):
    """Decides price and discount commands.

    Its timeline keeps only what can still matter from now on: an immediate price change
    drops every entry it supersedes, so the state stays small however long the history.
    `PriceHistory` keeps every entry, to answer questions about the past.
    """

    AGGREGATE_TYPE = "price"
    SNAPSHOT_SCHEMA = 1
    KEEPS_HISTORY: ClassVar[bool] = False

    def __init__(self, entity_id: str) -> None:
        super().__init__(entity_id)
        self.product_id = ""
        # per currency: (effectiveFrom, version that recorded it, amount), sorted
        self.timeline: dict[str, list[tuple[datetime, int, Decimal]]] = {}
        self.discounts: dict[str, Discount] = {}
        self.ended_discounts: list[Discount] = []  # kept only by PriceHistory

    # queries

    def base_price(self, currency: str, at: datetime) -> Decimal | None:
        entries = self.timeline.get(currency, [])
        index = bisect.bisect_right(entries, (at, sys.maxsize))
        return entries[index - 1][2] if index else None

    def quote(self, currency: str, at: datetime) -> PriceQuote | None:
        base = self.base_price(currency, at)
        if base is None:
            return None
        return best_quote(currency, base, [*self.discounts.values(), *self.ended_discounts], at)

    def currencies(self) -> list[str]:
        return sorted(self.timeline)

    def has_current_price(self, now: datetime) -> bool:
        return any(self.base_price(currency, now) is not None for currency in self.timeline)

    # commands

    def set_price(self, product_id: str, price: values.Money, now: datetime,
                  effective_from: datetime | None = None) -> None:
        if effective_from is not None:
            effective_from = values.moment(effective_from, "effectiveFrom")
        if effective_from is not None and effective_from > now:
            self._schedule(product_id, price, effective_from)
            return
        if effective_from is not None and effective_from < now - BACKDATING_TOLERANCE:
            raise InvalidValue("effectiveFrom", "a price change cannot take effect in the past")
        current = self.base_price(price.currency, now)
        if current == price.amount:
            return
        if current is None:
            self._record(PriceSet(productId=product_id, currency=price.currency,
                                  amount=price.amount, effectiveFrom=now))
        else:
            self._record(PriceChanged(productId=product_id, currency=price.currency, amount=price.amount,
                                      previousAmount=current, effectiveFrom=now))

    def _schedule(self, product_id: str, price: values.Money, effective_from: datetime) -> None:
        if self.base_price(price.currency, effective_from) == price.amount:
            return
        self._record(PriceChangeScheduled(productId=product_id, currency=price.currency,
                                          amount=price.amount, effectiveFrom=effective_from))

    def add_discount(self, product_id: str, discount_id: str, kind: str, value: object,
                     currency: str | None, valid_from: datetime | None,
                     valid_until: datetime | None, now: datetime) -> None:
        """A discount without `valid_from` applies from now on, never to the past."""
        if discount_id in self.discounts:
            raise RuleViolation(f"discount {discount_id} already exists")
        valid_from = now if valid_from is None else values.moment(valid_from, "validFrom")
        if valid_from < now - BACKDATING_TOLERANCE:
            raise InvalidValue("validFrom", "a discount cannot start in the past")
        valid_until = None if valid_until is None else values.moment(valid_until, "validUntil")
        if valid_until is not None and valid_until <= valid_from:
            raise InvalidValue("validUntil", "must be after validFrom")
        if valid_until is not None and valid_until <= now:
            raise InvalidValue("validUntil", "must be in the future")
        amount, code = self._discount_value(kind, value, currency, max(now, valid_from))
        self._record(DiscountAdded(productId=product_id, discountId=discount_id, kind=kind, value=amount,
                                   currency=code, validFrom=valid_from, validUntil=valid_until))

    def _discount_value(self, kind: str, value: object, currency: str | None,
                        starts: datetime) -> tuple[Decimal, str | None]:
        if kind == PERCENTAGE:
            percent = values.decimal_amount(value, "value")
            if not 0 < percent <= HUNDRED:
                raise InvalidValue("value", "a percentage must be more than 0 and at most 100")
            return percent, None
        if kind != FIXED:
            raise InvalidValue("kind", "must be 'percentage' or 'fixed'")
        if currency is None:
            raise InvalidValue("currency", "a fixed discount needs a currency")
        money = values.Money.of(value, currency, "value")
        if money.amount == 0:
            raise InvalidValue("value", "must be more than zero")
        base = self.base_price(money.currency, starts)
        if base is None:
            raise RuleViolation(f"the product has no {money.currency} price to discount")
        if money.amount > base:
            raise RuleViolation(f"a discount of {money} would take the price {base} below zero")
        return money.amount, money.currency

    def remove_discount(self, product_id: str, discount_id: str, now: datetime) -> None:
        if discount_id not in self.discounts:
            raise UnknownPart(f"discount {discount_id} does not exist")
        self._record(DiscountRemoved(productId=product_id, discountId=discount_id, removedAt=now))

    # appliers

    def _add_entry(self, currency: str, effective_from: datetime, amount: Decimal, immediate: bool) -> None:
        entries = self.timeline.setdefault(currency, [])
        if immediate and not self.KEEPS_HISTORY:
            del entries[:bisect.bisect_right(entries, (effective_from, sys.maxsize))]
        bisect.insort(entries, (effective_from, self.version, amount))

    @applies(PriceSet)
    def _price_set(self, event: PriceSet) -> None:
        self.product_id = event.productId
        self._add_entry(event.currency, event.effectiveFrom, event.amount, immediate=True)

    @applies(PriceChanged)
    def _price_changed(self, event: PriceChanged) -> None:
        self.product_id = event.productId
        self._add_entry(event.currency, event.effectiveFrom, event.amount, immediate=True)

    @applies(PriceChangeScheduled)
    def _price_scheduled(self, event: PriceChangeScheduled) -> None:
        self.product_id = event.productId
        self._add_entry(event.currency, event.effectiveFrom, event.amount, immediate=False)

    @applies(DiscountAdded)
    def _discount_added(self, event: DiscountAdded) -> None:
        self.product_id = event.productId
        self.discounts[event.discountId] = Discount(event.discountId, event.kind, event.value,
                                                    event.currency, event.validFrom, event.validUntil)

    @applies(DiscountRemoved)
    def _discount_removed(self, event: DiscountRemoved) -> None:
        removed = self.discounts.pop(event.discountId, None)
        if removed is not None and self.KEEPS_HISTORY:
            # the past stays as it was: the discount applied until it was removed
            self.ended_discounts.append(removed.ending(event.removedAt))

    # snapshots

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "timeline": {currency: [[moment.isoformat(), order, str(amount)] for moment, order, amount in entries]
                         for currency, entries in self.timeline.items()},
            "discounts": [_discount_row(discount) for discount in self.discounts.values()],
        }

    def _restore(self, state: dict[str, Any]) -> None:
        self.product_id = state["productId"]
        self.timeline = {currency: [(datetime.fromisoformat(moment), order, Decimal(amount))
                                    for moment, order, amount in entries]
                         for currency, entries in state["timeline"].items()}
        self.discounts = {row[0]: _discount_of(row) for row in state["discounts"]}


class PriceHistory(Pricing):
    """A Pricing that remembers every price it ever had: for "what was the price at T".

    Its snapshots hold every entry and every ended discount; they are kept apart from the
    stream's Pricing snapshots (SNAPSHOT_NAME), which hold what still matters from now on."""

    KEEPS_HISTORY = True
    SNAPSHOT_NAME = "history"
    SNAPSHOT_SCHEMA = 1  # its own shape (Pricing's and endedDiscounts), numbered apart from Pricing's

    def snapshot_state(self) -> dict[str, Any]:
        return {**super().snapshot_state(),
                "endedDiscounts": [_discount_row(discount) for discount in self.ended_discounts]}

    def _restore(self, state: dict[str, Any]) -> None:
        super()._restore(state)
        self.ended_discounts = [_discount_of(row) for row in state["endedDiscounts"]]


def _discount_row(discount: Discount) -> list[Any]:
    return [discount.discount_id, discount.kind, str(discount.value), discount.currency,
            _iso(discount.valid_from), _iso(discount.valid_until)]


def _discount_of(row: list[Any]) -> Discount:
    return Discount(row[0], row[1], Decimal(row[2]), row[3], _moment(row[4]), _moment(row[5]))


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
