"""Migration of legacy products: rows from a legacy source become ProductImported events."""

from application.importing.importer import ImportStopped, ProductImporter
from application.importing.report import ImportReport, SkippedRow
from application.importing.rows import LegacyRow, LegacySource, SourceError, UnreadableRow

__all__ = ["ImportReport", "ImportStopped", "LegacyRow", "LegacySource", "ProductImporter", "SkippedRow",
           "SourceError", "UnreadableRow"]
