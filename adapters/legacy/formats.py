"""Chooses the reader for a source: by the format asked for, or guessed from the source."""

import csv
from pathlib import Path

from adapters.legacy.csv_file import CsvFileSource
from adapters.legacy.json_lines import JsonLinesSource
from adapters.legacy.shopify import REQUIRED as SHOPIFY_COLUMNS
from adapters.legacy.shopify import ShopifyCsvSource
from adapters.legacy.sql_table import SqlTableSource
from application.importing import LegacySource, SourceError

FORMATS = ("csv", "jsonl", "shopify", "sql")


def guess_format(location: str, encoding: str = "utf-8") -> str:
    """sql for a database URL, jsonl for .jsonl/.ndjson, shopify for a CSV with Shopify's
    columns, csv otherwise."""
    if "://" in location:
        return "sql"
    path = Path(location)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    try:
        with path.open(newline="", encoding=encoding, errors="replace") as text:
            header = {name.strip().lstrip("\ufeff") for name in next(csv.reader(text), [])}
    except (OSError, csv.Error):
        return "csv"  # the reader reports the problem
    return "shopify" if header.issuperset(SHOPIFY_COLUMNS) else "csv"


def open_source(location: str, format: str | None = None, table: str | None = None,
                currency: str = "USD", encoding: str = "utf-8") -> LegacySource:
    """The legacy source at `location` (a file path, or a database URL with `table`)."""
    kind = format or guess_format(location, encoding)
    if kind == "sql":
        if not table:
            raise SourceError("a SQL source needs the name of its table (--table)")
        return SqlTableSource(location, table)
    path = Path(location)
    if kind == "jsonl":
        return JsonLinesSource(path, encoding)
    if kind == "shopify":
        return ShopifyCsvSource(path, currency, encoding)
    if kind == "csv":
        return CsvFileSource(path, encoding)
    raise SourceError(f"unknown format {kind!r}; use one of {', '.join(FORMATS)}")
