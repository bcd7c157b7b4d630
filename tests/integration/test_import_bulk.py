"""A 10,000-row legacy CSV with a few bad rows: those rows are reported, the rest imported."""

import csv
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.legacy import CsvFileSource
from application.importing import ProductImporter
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import Settings

ROWS = 10_000
BUDGET_SECONDS = 60  # the stated budget; it takes about a tenth of that


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    # NORMAL (still crash-safe with WAL) keeps the timing about the import, not the disk's fsync latency
    container = build_container(Settings(data_dir=str(tmp_path / "store"), sqlite_synchronous="NORMAL"))
    init_stores(container)
    yield container
    container.sqlite_database().close()


def legacy_csv(path: Path, bad: dict[int, dict[str, str]]) -> Path:
    """ROWS products, line n holding product n - 2, with the fields of `bad` rows overridden."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ["id", "sku", "name", "brand", "status", "categories", "price", "currency",
                                      "colour"])
        writer.writeheader()
        for number in range(ROWS):
            row = {"id": str(number), "sku": f"SKU-{number:05d}", "name": f"Product {number}", "brand": "Acme",
                   "status": "active", "categories": f"Range {number % 10}|All", "price": f"{number % 500}.99",
                   "currency": "EUR", "colour": "blue"}
            writer.writerow({**row, **bad.get(number + 2, {})})
    return path


def event_counts(container: Container) -> Counter[str]:
    store, counts, position = container.event_store(), Counter[str](), 0
    while page := store.read_feed(0, position, 5000):
        counts.update(event.event_type for event in page)
        position = page[-1].position
    return counts


@pytest.mark.slow
def test_ten_thousand_rows_import_with_exactly_the_bad_lines_reported(container, tmp_path):
    bad = {101: {"price": "12,50"}, 2002: {"name": ""}, 5003: {"sku": "SKU-00017"}, 9004: {"currency": "EURO"}}
    source = CsvFileSource(legacy_csv(tmp_path / "legacy.csv", bad))

    started = time.perf_counter()
    report = ProductImporter(container.bulk_message_bus(), "legacy").run(source.rows())
    elapsed = time.perf_counter() - started

    assert {row.line: row.reason for row in report.skipped} == {
        101: "price: '12,50' is not a decimal number",
        2002: "name: must be 1-200 characters",
        5003: "duplicate sku SKU-00017 (first on line 19)",
        9004: "currency: 'EURO' is not an ISO 4217 currency code",
    }
    assert (report.imported, report.already_imported, report.categories_created) == (ROWS - 4, 0, 11)
    counts = event_counts(container)
    assert (counts["ProductImported"], counts["PriceSet"], counts["CategoryCreated"]) == (ROWS - 4, ROWS - 4, 11)
    assert sum(counts.values()) == 2 * (ROWS - 4) + 11
    assert elapsed < BUDGET_SECONDS, f"{ROWS} rows took {elapsed:.0f} s"
