"""Importing legacy products from JSON Lines, a SQL table and a Shopify export."""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, create_engine, insert

from adapters.legacy import CsvFileSource, JsonLinesSource, ShopifyCsvSource, SqlTableSource, open_source
from application.importing import ImportStopped, LegacyRow, ProductImporter, SourceError
from application.importing.categories import imported_category_id
from application.importing.importer import imported_product_id
from domain.pricing import pricing_id
from entrypoints.containers import Container
from tests.integration.import_helpers import feed, first_event, run_import, skipped, sqlite_container, write

DATA = Path(__file__).parent / "data"


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    yield from sqlite_container(tmp_path)


def test_json_lines_carry_attributes_and_prices_in_several_currencies(container, tmp_path):
    rows = [{"id": "p-1", "sku": "lamp-1", "name": "Lamp", "categories": ["Lights"], "status": "active",
             "attributes": {"watts": 40, "dimmable": True}, "finish": "brass",
             "prices": [{"amount": "25.00", "currency": "EUR"}, {"amount": 27.5, "currency": "USD"}]}]
    path = write(tmp_path / "lamps.jsonl", "\n".join([json.dumps(rows[0]), "", "{not json", "[1, 2]"]) + "\n")

    report = run_import(container, JsonLinesSource(path))

    assert report.imported == 1
    assert skipped(report).keys() == {3, 4}
    assert skipped(report)[4] == "is not a JSON object"
    lamp = first_event(container, imported_product_id("legacy", "p-1"))
    assert lamp.data["attributes"] == {"watts": 40, "dimmable": True, "finish": "brass"}
    prices = container.event_store().load(pricing_id(lamp.entity_id))
    assert [(e.data["currency"], e.data["amount"]) for e in prices] == [("EUR", "25.00"), ("USD", "27.50")]


def test_rows_of_a_sql_table_are_imported_in_key_order(container, tmp_path):
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    engine = create_engine(url)
    products = Table("products", MetaData(), Column("id", Integer, primary_key=True), Column("sku", String),
                     Column("name", String), Column("description", String), Column("price", Numeric(10, 2)),
                     Column("currency", String), Column("categories", String), Column("weight_kg", Numeric(6, 3)))
    products.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(products), [
            {"id": 2, "sku": "b-2", "name": "Bench", "description": None, "price": 120, "currency": "GBP",
             "categories": "Garden", "weight_kg": 12.5},
            {"id": 1, "sku": "a-1", "name": "", "description": "", "price": 5, "currency": "GBP",
             "categories": None, "weight_kg": None},
        ])
    engine.dispose()

    report = run_import(container, SqlTableSource(url, "products"))

    assert (report.imported, skipped(report)) == (1, {1: "name: must be 1-200 characters"})
    bench = first_event(container, imported_product_id("legacy", "2"))
    assert bench.data["attributes"] == {"weight_kg": 12.5}
    assert first_event(container, pricing_id(bench.entity_id)).data["amount"] == "120.00"


def test_sources_that_cannot_be_read_at_all_say_why(container, tmp_path):
    with pytest.raises(SourceError, match="cannot read"):
        run_import(container, CsvFileSource(tmp_path / "missing.csv"))
    with pytest.raises(SourceError, match="has no table nowhere"):
        run_import(container, SqlTableSource(f"sqlite:///{tmp_path / 'empty.db'}", "nowhere"))
    with pytest.raises(SourceError, match="more than once: sku"):
        run_import(container, CsvFileSource(write(tmp_path / "twice.csv", "sku,name,sku\n")))


def test_a_shopify_export_becomes_one_product_per_handle(container):
    report = run_import(container, ShopifyCsvSource(DATA / "shopify_sample.csv", currency="CAD"), "shopify")

    assert (report.imported, report.skipped, report.categories_created) == (6, [], 4)
    anchor = first_event(container, imported_product_id("shopify", "leather-anchor"))
    assert anchor.data["sku"] == "LEATHER-ANCHOR" and anchor.data["name"] == "Anchor Bracelet Mens"
    assert anchor.data["brand"] == "Company 123" and anchor.data["status"] == "active"
    assert anchor.data["categoryIds"] == [imported_category_id("bracelet")]
    assert anchor.data["attributes"] == {"Color": "Gold", "variantCount": 2, "compareAtPrice": "85",
                                         "tags": "Anchor, Gold, Leather, Silver"}
    price = first_event(container, pricing_id(anchor.entity_id))
    assert (price.data["amount"], price.data["currency"]) == ("69.99", "CAD")
    shirt = first_event(container, imported_product_id("shopify", "ocean-blue-shirt"))
    assert (shirt.data["status"], shirt.data["categoryIds"]) == ("draft", [])  # no Type: no category
    assert shirt.data["attributes"] == {"variantCount": 1, "tags": "men"}  # "Default Title" is no option
    pendant = first_event(container, imported_product_id("shopify", "choker-with-gold-pendant"))
    assert pendant.data["description"].count("<li>") == 6


def test_rerunning_a_shopify_import_adds_no_event(container):
    run_import(container, ShopifyCsvSource(DATA / "shopify_sample.csv"), "shopify")
    events = len(feed(container))

    again = run_import(container, ShopifyCsvSource(DATA / "shopify_sample.csv"), "shopify")

    assert (again.imported, again.already_imported) == (0, 6)
    assert len(feed(container)) == events


def test_the_format_is_guessed_from_the_source(tmp_path):
    shopify = write(tmp_path / "export.csv", "Handle,Title,Variant Price\n")
    plain = write(tmp_path / "plain.csv", "sku,name\n")

    assert isinstance(open_source(str(shopify)), ShopifyCsvSource)
    assert isinstance(open_source(str(plain)), CsvFileSource)
    assert isinstance(open_source(str(tmp_path / "rows.ndjson")), JsonLinesSource)
    assert isinstance(open_source("sqlite:///legacy.db", table="products"), SqlTableSource)
    with pytest.raises(SourceError, match="--table"):
        open_source("sqlite:///legacy.db")


def test_a_failing_store_stops_the_import_and_tells_what_was_done(container, tmp_path):
    def rows() -> Iterator[LegacyRow]:
        yield LegacyRow(2, {"sku": "A-1", "name": "Boot"})
        with sqlite3.connect(tmp_path / "store" / "events.db") as connection:
            connection.execute("DROP TABLE events")
        yield LegacyRow(3, {"sku": "A-2", "name": "Sock"})

    with pytest.raises(ImportStopped, match="stopped at line 3") as stopped:
        ProductImporter(container.message_bus(), "legacy").run(rows())

    assert (stopped.value.line, stopped.value.report.imported) == (3, 1)
