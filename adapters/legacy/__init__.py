"""Readers of legacy catalogs: CSV, JSON Lines, a SQL table and Shopify's product export."""

from adapters.legacy.csv_file import CsvFileSource
from adapters.legacy.formats import FORMATS, guess_format, open_source
from adapters.legacy.json_lines import JsonLinesSource
from adapters.legacy.shopify import ShopifyCsvSource
from adapters.legacy.sql_table import SqlTableSource

__all__ = ["FORMATS", "CsvFileSource", "JsonLinesSource", "ShopifyCsvSource", "SqlTableSource", "guess_format",
           "open_source"]
