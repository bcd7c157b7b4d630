"""Shopify's product CSV export, read into canonical legacy rows.

Rows are grouped by Handle: the group's first row carries the product (Title, Body (HTML),
Vendor, Type, Tags, Published) and its first variant; continuation rows carry more variants
or only images. A product becomes one row: the first variant's SKU (or the handle) and price,
its Type as the category, its first variant's options, tags, variant count and compare-at
price as attributes. Published products become active when they have a category and a price.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from adapters.legacy.csv_file import Record, csv_records
from application.importing import LegacyRow, LegacySource, SourceError, UnreadableRow

REQUIRED = ("Handle", "Title", "Variant Price")
VARIANT_COLUMNS = ("Variant SKU", "Variant Price", "Option1 Value", "Option2 Value", "Option3 Value")
NO_OPTIONS = ("Title", "Default Title")  # Shopify's placeholder for a product without options
_NOT_IN_SKU = re.compile(r"[^A-Z0-9._/-]+")


class ShopifyCsvSource(LegacySource):
    def __init__(self, path: Path, currency: str = "USD", encoding: str = "utf-8") -> None:
        self.path = path
        self.currency = currency
        self.encoding = encoding

    @property
    def default_source_name(self) -> str:
        return f"shopify-{self.path.stem}"

    def count(self) -> int | None:
        return sum(1 for _ in self._groups())

    def rows(self) -> Iterator[LegacyRow | UnreadableRow]:
        for group in self._groups():
            yield group if isinstance(group, UnreadableRow) else self._product(group)

    def _groups(self) -> Iterator[list[Record] | UnreadableRow]:
        group: list[Record] = []
        for record in csv_records(self.path, self.encoding):
            if isinstance(record, UnreadableRow):
                yield record
                continue
            _check_columns(record, self.path)
            handle = record[1]["Handle"].strip()
            if not handle:
                yield UnreadableRow(record[0], "has no Handle")
            elif group and handle == group[0][1]["Handle"].strip():
                group.append(record)
            else:
                if group:
                    yield group
                group = [record]
        if group:
            yield group

    def _product(self, group: list[Record]) -> LegacyRow:
        line, first = group[0]
        handle = first["Handle"].strip()
        variants = [fields for _, fields in group if any(fields.get(column, "").strip() for column in VARIANT_COLUMNS)]
        variant = variants[0] if variants else first
        category = first.get("Type", "").strip()
        price = variant.get("Variant Price", "").strip()
        published = first.get("Published", "").strip().lower() == "true"
        status = first.get("Status", "").strip().lower()  # newer exports: active, draft or archived
        fields = {
            "legacy_id": handle, "sku": variant.get("Variant SKU", "").strip() or _sku_of(handle),
            "name": first["Title"], "description": first.get("Body (HTML)", ""), "brand": first.get("Vendor", ""),
            "categories": [category] if category else [], "price": price, "currency": self.currency,
            "status": "active" if published and status in ("", "active") and category and price else "draft",
            "attributes": {**_options(first, variant), **_extras(first, variant, len(variants))},
        }
        return LegacyRow(line, fields)


def _check_columns(record: Record, path: Path) -> None:
    missing = [column for column in REQUIRED if column not in record[1]]
    if missing:
        raise SourceError(f"{path} is not a Shopify product export: no {', '.join(missing)} column")


def _sku_of(handle: str) -> str:
    return _NOT_IN_SKU.sub("-", handle.upper()).strip("-._/")[:64]


def _options(first: dict[str, str], variant: dict[str, str]) -> dict[str, str]:
    options = {}
    for number in (1, 2, 3):
        name, value = first.get(f"Option{number} Name", "").strip(), variant.get(f"Option{number} Value", "").strip()
        if name and value and (name, value) != NO_OPTIONS:
            options[name] = value
    return options


def _extras(first: dict[str, str], variant: dict[str, str], variants: int) -> dict[str, str | int]:
    extras: dict[str, str | int] = {"variantCount": variants}
    if tags := first.get("Tags", "").strip():
        extras["tags"] = tags
    if compare_at := variant.get("Variant Compare At Price", "").strip():
        extras["compareAtPrice"] = compare_at
    return extras
