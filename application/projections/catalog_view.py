"""The catalog as the query API shows it: a product's rows, with its prices quoted at a moment.

Quoting at query time, by the Pricing aggregate's own rules, makes a scheduled price change
or a discount window show at its moment without any re-projection.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from application.projections.changes import Row, from_millis
from application.read_models import ProductFilter
from domain.discounts import Discount, PriceQuote
from domain.events.product import AttributeValue
from domain.pricing import Pricing


def quotes(entries: Iterable[Row], discounts: Iterable[Row], now: datetime) -> dict[str, PriceQuote]:
    """The price in each currency at `now`, quoted by the Pricing aggregate from the stored rows."""
    pricing = Pricing("")
    for entry in entries:
        moment = from_millis(entry["effective_from"])
        pricing.timeline.setdefault(entry["currency"], []).append((moment, entry["sequence"], Decimal(entry["amount"])))
    for timeline in pricing.timeline.values():
        timeline.sort()
    pricing.discounts = {row["discount_id"]: _discount(row) for row in discounts}
    priced = ((currency, pricing.quote(currency, now)) for currency in pricing.currencies())
    return {currency: quote for currency, quote in priced if quote is not None}


def _discount(row: Row) -> Discount:
    def moment(millis: int | None) -> datetime | None:
        return None if millis is None else from_millis(millis)
    return Discount(row["discount_id"], row["kind"], Decimal(row["value"]), row["currency"],
                    moment(row["valid_from"]), moment(row["valid_until"]))


def within_price_bounds(where: ProductFilter, prices: Mapping[str, PriceQuote]) -> bool:
    """Whether the effective price in the filter's currency is within its bounds (inclusive)."""
    if where.currency is None:
        return True
    quote = prices.get(where.currency)
    return quote is not None and (where.min_price is None or quote.effective >= where.min_price) \
        and (where.max_price is None or quote.effective <= where.max_price)


def product_view(row: Row, attributes: Mapping[str, AttributeValue], category_ids: Iterable[str],
                 prices: Mapping[str, PriceQuote]) -> dict[str, Any]:
    """The product as the query API shows it; money as decimal strings."""
    return {
        "id": row["id"], "sku": row["sku"], "name": row["name"], "description": row["description"],
        "brand": row["brand"], "attributes": dict(attributes), "categoryIds": sorted(category_ids),
        "status": row["status"], "version": row["version"],
        "createdAt": row["created_at"], "updatedAt": row["updated_at"],
        "prices": {currency: {"base": str(quote.base), "effective": str(quote.effective),
                              "discountId": quote.discount.discount_id if quote.discount else None}
                   for currency, quote in sorted(prices.items())},
    }
