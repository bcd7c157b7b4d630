"""Importing legacy products from CSV files into a real SQLite event store: the import's rules."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.legacy import CsvFileSource
from application.importing.categories import imported_category_id
from application.importing.importer import imported_product_id
from application.unit_of_work import CommandContext
from domain.commands import CreateCategory
from domain.pricing import pricing_id
from entrypoints.containers import Container
from tests.integration.import_helpers import feed, first_event, run_import, skipped, sqlite_container, write

CSV_HEADER = "sku,name,description,brand,status,categories,price,currency,color\n"


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    yield from sqlite_container(tmp_path)


def test_csv_rows_become_imported_products_with_their_prices_and_categories(container, tmp_path):
    path = write(tmp_path / "shop.csv", CSV_HEADER
                 + "boot-1,Hiking Boot,Waterproof,Acme,active,Shoes|Outdoor,89.90,EUR,brown\n"
                 + "sock-1,Wool Sock,,Acme,draft,Outdoor; Socks,4.5,,grey\n")

    report = run_import(container, CsvFileSource(path))

    assert (report.imported, report.already_imported, report.skipped, report.categories_created) == (2, 0, [], 3)
    boot = first_event(container, imported_product_id("legacy", "BOOT-1"))
    assert boot.event_type == "ProductImported"
    assert boot.data["sku"] == "BOOT-1" and boot.data["status"] == "active" and boot.data["legacyId"] == "BOOT-1"
    assert boot.data["attributes"] == {"color": "brown"}
    assert boot.data["categoryIds"] == [imported_category_id("shoes"), imported_category_id("outdoor")]
    price = first_event(container, pricing_id(boot.entity_id))
    assert (price.event_type, price.data["amount"], price.data["currency"]) == ("PriceSet", "89.90", "EUR")
    sock_price = first_event(container, pricing_id(imported_product_id("legacy", "SOCK-1")))
    assert (sock_price.data["amount"], sock_price.data["currency"]) == ("4.50", "USD")  # the default currency


def test_rerunning_an_import_adds_no_event(container, tmp_path):
    path = write(tmp_path / "shop.csv", CSV_HEADER + "boot-1,Boot,,,active,Shoes,89.90,EUR,\nbad,,,,,,,,\n")
    first = run_import(container, CsvFileSource(path))
    events = len(feed(container))

    again = run_import(container, CsvFileSource(path))

    assert (first.imported, again.imported, again.already_imported, again.categories_created) == (1, 0, 1, 0)
    assert skipped(again) == skipped(first) == {3: "name: must be 1-200 characters"}
    assert len(feed(container)) == events


def test_the_same_legacy_ids_from_another_source_are_other_products(container, tmp_path):
    path = write(tmp_path / "shop.csv", "id,sku,name\n7,A-1,Boot\n")
    run_import(container, CsvFileSource(path), "shop-eu")

    report = run_import(container, CsvFileSource(write(tmp_path / "us.csv", "id,sku,name\n7,B-1,Boot\n")), "shop-us")

    assert report.imported == 1
    assert imported_product_id("shop-eu", "7") != imported_product_id("shop-us", "7")


def test_rows_that_break_the_rules_are_skipped_with_their_line_and_reason(container, tmp_path):
    path = write(tmp_path / "shop.csv", CSV_HEADER
                 + "a-1,Priced nowhere,,,active,Shoes,,,\n"
                 + "a-2,In no category,,,active,,5,EUR,\n"
                 + "a-3,Negative,,,draft,,-1,EUR,\n"
                 + "a-4,Unknown status,,,archived,,,,\n"
                 + "a 5,Bad sku,,,,,,,\n"
                 + "a-6,Too precise,,,,,1.234,EUR,\n"
                 + "a-7,Fine,,,,,,,\n")

    report = run_import(container, CsvFileSource(path))

    assert report.imported == 1
    assert skipped(report) == {
        2: "an active product needs a price",
        3: "an active product needs at least one category",
        4: "price: must not be negative",
        5: "status: must be one of draft, active, inactive, discontinued",
        6: "sku: 1-64 characters: letters, digits and . _ / - (starting alphanumeric)",
        7: "price: EUR has 2 decimal places at most",
    }


def test_a_sku_that_another_product_holds_is_reported_not_imported(container, tmp_path):
    run_import(container, CsvFileSource(write(tmp_path / "old.csv", "sku,name\nboot-1,Boot\n")), "old-shop")

    report = run_import(container, CsvFileSource(write(tmp_path / "new.csv", "sku,name\nBOOT-1,Boot\n")), "new-shop")

    owner = imported_product_id("old-shop", "BOOT-1")
    assert skipped(report) == {2: f"sku BOOT-1 is already taken by {owner}"}


def test_duplicates_within_a_file_are_reported_against_the_first_row(container, tmp_path):
    path = write(tmp_path / "shop.csv", "id,sku,name\n1,A-1,Boot\n2,a-1,Boot again\n1,A-2,Same legacy id\n")

    report = run_import(container, CsvFileSource(path))

    assert report.imported == 1
    assert skipped(report) == {3: "duplicate sku A-1 (first on line 2)", 4: "duplicate legacy id 1 (first on line 2)"}


def test_a_category_whose_slug_exists_is_reused_whoever_created_it(container, tmp_path):
    existing = "8d0c7c4e-1b8a-4b8e-9f0a-0c6f3a1d2e4b"
    container.message_bus().handle(CreateCategory(existing, "Shoes"), CommandContext("alice", "c", "c"))

    report = run_import(container, CsvFileSource(write(tmp_path / "shop.csv", "sku,name,categories\nA-1,Boot,SHOES\n")))

    assert report.categories_created == 0
    assert first_event(container, imported_product_id("legacy", "A-1")).data["categoryIds"] == [existing]


def test_unreadable_csv_records_are_reported_by_the_line_they_start_on(container, tmp_path):
    path = tmp_path / "shop.csv"
    path.write_bytes(b'sku,name,description\n'
                     b'A-1,Boot,"two\nlines"\n'
                     b'A-2,Extra,field,here\n'
                     b'A-3,Caf\xe9 in Latin-1,\n'
                     b'\n'
                     b'A-4,Short\n'
                     b'A-5,Fine,\n')

    report = run_import(container, CsvFileSource(path))

    assert report.imported == 2
    assert skipped(report) == {4: "has 4 fields, the header has 3", 5: "is not valid utf-8 text",
                               7: "has 2 fields, the header has 3"}


def test_a_csv_file_in_another_encoding_is_read_when_told(container, tmp_path):
    path = tmp_path / "shop.csv"
    path.write_bytes("sku,name\nA-1,Café\n".encode("latin-1"))

    report = run_import(container, CsvFileSource(path, encoding="latin-1"))

    assert report.imported == 1
    assert first_event(container, imported_product_id("legacy", "A-1")).data["name"] == "Café"
