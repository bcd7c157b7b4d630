"""`import`: migrates legacy products into the catalog and prints what happened to each row."""

import argparse
import sys

from adapters.legacy import FORMATS, open_source
from application.importing import ImportReport, ImportStopped, ProductImporter
from entrypoints.cli.progress import progress_bar
from entrypoints.cli.stores import catch_up_projections
from entrypoints.containers import build_container
from entrypoints.settings import Settings

__all__ = ["DESCRIPTION", "FORMATS", "import_products"]

DESCRIPTION = """Imports legacy products as ProductImported events (with their prices and categories).
Each product's id derives from the source name and its legacy id (or sku), so running the same
import again adds nothing. Rows that cannot be imported are listed with their line and reason."""


def import_products(args: argparse.Namespace, settings: Settings) -> int:
    """Exit code 0 when every row was read (skipped rows are part of the report), 1 if the
    store failed midway (re-running continues where it stopped)."""
    source = open_source(args.source, args.format, args.table, args.currency, args.encoding)
    source_name = args.source_name or source.default_source_name
    container = build_container(settings)
    # commands skip the per-command projection; the read models catch up once, in batches, at the end
    importer = ProductImporter(container.bulk_message_bus(), source_name, args.user, args.currency)
    try:
        with progress_bar(f"Importing {source_name}", source.count()) as bar:
            report = importer.run(source.rows(), bar)
    except ImportStopped as stopped:
        print_report(stopped.report)
        print(f"product-service: {stopped}; re-run the import to continue", file=sys.stderr)
        return 1
    catch_up_projections(container)
    print_report(report)
    return 0


def print_report(report: ImportReport) -> None:
    print(f"import of source {report.source!r} (run {report.run_id}): {report.rows} rows")
    print(f"  imported:           {report.imported}")
    print(f"  already imported:   {report.already_imported}")
    print(f"  skipped:            {len(report.skipped)}")
    print(f"  categories created: {report.categories_created}")
    for row in report.skipped:
        print(f"  line {row.line}: {row.reason}")
