"""Helpers of the import tests: running an import against a real store and reading what it wrote."""

from collections.abc import Iterator
from pathlib import Path

from application.envelope import StoredEvent
from application.importing import ImportReport, LegacySource, ProductImporter
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import Settings


def sqlite_container(tmp_path: Path) -> Iterator[Container]:
    """A container on a fresh SQLite store in `tmp_path`, closed afterwards (for a fixture)."""
    container = build_container(Settings(data_dir=str(tmp_path / "store"), sqlite_synchronous="NORMAL"))
    init_stores(container)
    yield container
    container.sqlite_database().close()


def run_import(container: Container, source: LegacySource, name: str = "legacy") -> ImportReport:
    return ProductImporter(container.message_bus(), name).run(source.rows())


def feed(container: Container) -> list[StoredEvent]:
    store, events = container.event_store(), []
    while page := store.read_feed(0, events[-1].position if events else 0):
        events.extend(page)
    return events


def first_event(container: Container, entity_id: str) -> StoredEvent:
    return container.event_store().load(entity_id, up_to_version=1)[0]


def skipped(report: ImportReport) -> dict[int, str]:
    return {row.line: row.reason for row in report.skipped}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
