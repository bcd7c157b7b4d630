"""The queries on one generation of the views; the pure projection modules shape the results.

Products are listed by (name, id), a page at a time after an opaque cursor holding the last
(name, id) shown. Effective prices depend on the moment asked, so the price bounds are
checked in Python, by the domain's pricing rules, on candidates the database has narrowed
down by every other filter (and by having a price in the currency).
"""

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, func, or_, select

from adapters.read_models.prepared import PreparedReads
from adapters.read_models.schema import Generation
from application.projections import catalog, catalog_view, categories, price_history
from application.projections.changes import Row
from application.read_models import Page, ProductFilter
from domain.discounts import PriceQuote

PRICE_SCAN_CHUNK = 200
# a product's view: its row first, then its rows in the other tables
LIVE = "live"  # the part of a one-statement read that is the pointer row
PRODUCT_PARTS = (catalog.PRODUCTS, catalog.PRICES, catalog.DISCOUNTS, catalog.ATTRIBUTES, catalog.MEMBERSHIPS)
Prices = dict[str, dict[str, PriceQuote]]  # product id -> currency -> quote


def product(connection: Any, tables: Generation, prepared: PreparedReads, product_id: str,
            now: datetime) -> dict[str, Any] | None:
    """One product's view: the hottest read of the API, so its five queries are prepared ones."""

    def rows_of(name: str) -> list[Row]:
        return prepared.rows(connection, (tables.number, name), lambda: _of_product(tables, name),
                             product_id=product_id)

    if not (found := rows_of(catalog.PRODUCTS)):
        return None
    return _product_view({catalog.PRODUCTS: found, **{name: rows_of(name) for name in PRODUCT_PARTS[1:]}}, now)


def product_at_once(connection: Any, tables: Generation, live: Select[Any], prepared: PreparedReads,
                    product_id: str, now: datetime) -> tuple[int | None, dict[str, Any] | None]:
    """As `product`, in one statement (see PreparedParts) that reads the pointer row (`live`)
    as well: SQLite. The number of the live generation, and the view as `tables` hold it,
    which is the caller's to discard if they are not the live generation's."""
    rows = prepared.parts(connection, (tables.number, "product"),
                          lambda: {LIVE: live, **{name: _of_product(tables, name) for name in PRODUCT_PARTS}},
                          product_id=product_id)
    pointer = rows.pop(LIVE)
    return (int(pointer[0]["generation"]) if pointer else None), _product_view(rows, now)


def _of_product(tables: Generation, name: str) -> Select[Any]:
    """One table's rows of the product bound as `product_id`."""
    table = tables[name]
    key = table.c.id if name == catalog.PRODUCTS else table.c.product_id
    return select(table).where(key == bindparam("product_id"))


def _product_view(rows: dict[str, list[Row]], now: datetime) -> dict[str, Any] | None:
    found = rows[catalog.PRODUCTS]
    if not found:
        return None
    quote = catalog_view.quotes(rows[catalog.PRICES], rows[catalog.DISCOUNTS], now)
    attributes = {row["key"]: row["value"] for row in rows[catalog.ATTRIBUTES]}
    return catalog_view.product_view(found[0], attributes, [row["category_id"] for row in rows[catalog.MEMBERSHIPS]],
                                     quote)


def products(connection: Connection, tables: Generation, where: ProductFilter, cursor: str | None, limit: int,
             now: datetime) -> Page:
    after = decode_cursor(cursor)
    chunk = limit + 1 if where.currency is None else max(limit + 1, PRICE_SCAN_CHUNK)
    matching: list[Row] = []
    prices: Prices = {}
    while len(matching) <= limit:
        rows = _rows(connection, _candidates(tables, where, after).limit(chunk))
        chunk_prices = _prices(connection, tables, rows, now)
        for row in rows:
            if len(matching) <= limit and catalog_view.within_price_bounds(where, chunk_prices[row["id"]]):
                matching.append(row)
                prices[row["id"]] = chunk_prices[row["id"]]
        if len(rows) < chunk:
            break
        after = (rows[-1]["name"], rows[-1]["id"])
    page = matching[:limit]
    next_cursor = encode_cursor(page[-1]["name"], page[-1]["id"]) if len(matching) > limit else None
    return Page(_views(connection, tables, page, prices), next_cursor)


def _candidates(tables: Generation, where: ProductFilter, after: tuple[str, str] | None) -> Select[Any]:
    products_ = tables[catalog.PRODUCTS]
    query = select(products_).order_by(products_.c.name, products_.c.id)
    if where.category_id is not None:
        members = tables[catalog.MEMBERSHIPS]
        query = query.where(products_.c.id.in_(
            select(members.c.product_id).where(members.c.category_id == where.category_id)))
    if where.status is not None:
        query = query.where(products_.c.status == where.status)
    if where.text:
        needle = where.text.casefold()
        query = query.where(or_(func.lower(products_.c.sku).contains(needle, autoescape=True),
                                *(products_.c[f"{field}_folded"].contains(needle, autoescape=True)
                                  for field in catalog.SEARCHABLE)))
    if where.currency is not None:
        prices = tables[catalog.PRICES]
        query = query.where(exists().where(prices.c.product_id == products_.c.id,
                                           prices.c.currency == where.currency))
    if after is not None:
        name, product_id = after
        query = query.where(or_(products_.c.name > name, and_(products_.c.name == name, products_.c.id > product_id)))
    return query


def _prices(connection: Connection, tables: Generation, rows: Sequence[Row], now: datetime) -> Prices:
    ids = [row["id"] for row in rows]
    entries, discounts = _grouped(connection, tables, catalog.PRICES, ids), _grouped(connection, tables,
                                                                                     catalog.DISCOUNTS, ids)
    return {product_id: catalog_view.quotes(entries[product_id], discounts[product_id], now) for product_id in ids}


def _views(connection: Connection, tables: Generation, rows: Sequence[Row], prices: Prices) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    attributes, memberships = (_grouped(connection, tables, catalog.ATTRIBUTES, ids),
                               _grouped(connection, tables, catalog.MEMBERSHIPS, ids))
    return [catalog_view.product_view(row, {a["key"]: a["value"] for a in attributes[row["id"]]},
                                 [m["category_id"] for m in memberships[row["id"]]], prices[row["id"]])
            for row in rows]


def _grouped(connection: Connection, tables: Generation, name: str, product_ids: list[str]) -> dict[str, list[Row]]:
    """The rows of a per-product table for these products, by product id."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    if product_ids:
        table = tables[name]
        for row in _rows(connection, select(table).where(table.c.product_id.in_(product_ids))):
            grouped[row["product_id"]].append(row)
    return grouped


def category_forest(connection: Connection, tables: Generation) -> list[dict[str, Any]]:
    members = tables[categories.MEMBERS]
    counts = connection.execute(select(members.c.category_id, func.count()).group_by(members.c.category_id))
    return categories.category_forest(_rows(connection, select(tables[categories.CATEGORIES])),
                                      {category_id: count for category_id, count in counts})


def price_history_of(connection: Connection, tables: Generation, product_id: str) -> list[dict[str, Any]]:
    history = tables[price_history.HISTORY]
    query = select(history).where(history.c.product_id == product_id).order_by(history.c.sequence)
    return [price_history.history_entry(row) for row in _rows(connection, query)]


def _rows(connection: Connection, query: Select[Any]) -> list[Row]:
    return [dict(row) for row in connection.execute(query).mappings()]


def encode_cursor(name: str, product_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([name, product_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    """The (name, id) after which the page starts; ValueError for a cursor this API did not issue."""
    if not cursor:
        return None
    try:
        name, product_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise ValueError("the cursor is not one this API issued") from None
    if not isinstance(name, str) or not isinstance(product_id, str):
        raise ValueError("the cursor is not one this API issued")
    return name, product_id
