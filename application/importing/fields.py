"""Reads a legacy row's fields into a validated product draft (see `rows` for the field names)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from domain import values
from domain.errors import InvalidValue
from domain.product import attributes as checked_attributes

RESERVED = frozenset({"id", "legacy_id", "sku", "name", "description", "brand", "status", "categories",
                      "category", "price", "currency", "prices", "attributes"})
_CATEGORY_SEPARATORS = re.compile(r"[|;]")


@dataclass(frozen=True)
class ProductDraft:
    legacy_id: str
    sku: str
    name: str
    description: str
    brand: str
    status: str
    category_names: tuple[str, ...]
    prices: tuple[tuple[str, str], ...]
    attributes: dict[str, Any]


def read_draft(fields: Mapping[str, Any], default_currency: str) -> ProductDraft:
    """The product a row describes; raises InvalidValue naming the first bad field."""
    known = {key.strip().lower(): value for key, value in fields.items() if key.strip().lower() in RESERVED}
    sku = values.sku(_text(known.get("sku"), "sku"))
    legacy_id = _text(known.get("legacy_id") or known.get("id"), "id").strip() or sku
    return ProductDraft(
        legacy_id=legacy_id, sku=sku,
        name=values.name(_text(known.get("name"), "name")),
        description=values.free_text(_text(known.get("description"), "description"), "description"),
        brand=values.free_text(_text(known.get("brand"), "brand").strip(), "brand"),
        status=_text(known.get("status"), "status").strip().lower() or "draft",
        category_names=_category_names(known.get("categories") or known.get("category")),
        prices=_prices(known, default_currency),
        attributes=_attributes(fields, known.get("attributes")),
    )


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    raise InvalidValue(field, "must be text")


def _category_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        names = [_text(item, "categories") for item in value]
    else:
        names = _CATEGORY_SEPARATORS.split(_text(value, "categories"))
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def _prices(known: Mapping[str, Any], default_currency: str) -> tuple[tuple[str, str], ...]:
    entries: list[tuple[Any, Any]] = []
    if known.get("price") not in (None, ""):
        entries.append((known["price"], known.get("currency")))
    listed = known.get("prices") or []
    if not isinstance(listed, list) or not all(isinstance(item, Mapping) for item in listed):
        raise InvalidValue("prices", "must be a list of {amount, currency} objects")
    entries.extend((item.get("amount"), item.get("currency")) for item in listed)
    prices: dict[str, str] = {}
    for amount, currency in entries:
        money = values.Money.of(_amount(amount), _text(currency, "currency").strip() or default_currency, "price")
        if money.currency in prices:
            raise InvalidValue("prices", f"{money.currency} is given twice")
        prices[money.currency] = str(money.amount)
    return tuple((amount, currency) for currency, amount in prices.items())


def _amount(value: Any) -> object:
    # readers hand over floats only from typed sources (a REAL column); their repr is the exact text
    return repr(value) if isinstance(value, float) else value


def _attributes(fields: Mapping[str, Any], nested: Any) -> dict[str, Any]:
    if nested not in (None, "") and not isinstance(nested, Mapping):
        raise InvalidValue("attributes", "must be an object")
    extra = {key.strip(): value for key, value in fields.items()
             if key.strip().lower() not in RESERVED and value not in (None, "")}
    merged = {**dict(nested or {}), **extra}
    return checked_attributes({key: _attribute_value(value) for key, value in merged.items()})


def _attribute_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value
