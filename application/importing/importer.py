"""Runs an import: each legacy row becomes one ImportProduct command on the message bus.

Re-running an import adds nothing: a product's id is derived from the source name and its
legacy id, so a product imported before is found again and counted as already imported.
A row that cannot be imported is reported with its line and reason and never stops the run;
only a failing store does (ImportStopped), and re-running then continues where it stopped.
"""

import uuid
from collections.abc import Callable, Iterable

from application.errors import AlreadyExists, ApplicationError, StoreUnavailable, UniquenessViolation
from application.importing.categories import CategoryResolver
from application.importing.fields import ProductDraft, read_draft
from application.importing.report import ImportReport
from application.importing.rows import LegacyRow, UnreadableRow
from application.messagebus import MessageBus
from application.unit_of_work import CommandContext
from domain.commands import ImportProduct
from domain.errors import DomainError

PRODUCT_NAMESPACE = uuid.UUID("3f1c7a52-9d0b-4e8a-a6f4-1b2c5d8e9f70")
Progress = Callable[[int], None]


def imported_product_id(source: str, legacy_id: str) -> str:
    """The id an import gives the product `legacy_id` of `source`, the same in every run."""
    return str(uuid.uuid5(PRODUCT_NAMESPACE, f"{source}\x1f{legacy_id}"))


class ImportStopped(ApplicationError):
    """The store failed mid-import; `report` tells what was done before row `line`."""

    def __init__(self, line: int, report: ImportReport, cause: Exception) -> None:
        super().__init__(f"the import stopped at line {line}: {cause}")
        self.line = line
        self.report = report


class ProductImporter:
    def __init__(self, bus: MessageBus, source: str, user_id: str = "importer",
                 default_currency: str = "USD", run_id: str | None = None) -> None:
        self.bus = bus
        self.source = source
        self.user_id = user_id
        self.default_currency = default_currency
        self.run_id = run_id or str(uuid.uuid4())
        self.categories = CategoryResolver(bus)
        self._skus: dict[str, int] = {}  # sku -> line of the row that holds it in this run
        self._legacy_ids: dict[str, int] = {}

    def run(self, rows: Iterable[LegacyRow | UnreadableRow], on_progress: Progress | None = None) -> ImportReport:
        """Imports every row; `on_progress` hears how many rows are done after each one."""
        report = ImportReport(self.source, self.run_id)
        try:
            for done, row in enumerate(rows, start=1):
                if isinstance(row, UnreadableRow):
                    report.skip(row.line, row.reason)
                else:
                    self._import(row, report)
                if on_progress:
                    on_progress(done)
        finally:  # the report of a stopped import counts its categories too
            report.categories_created = self.categories.created
        return report

    def _import(self, row: LegacyRow, report: ImportReport) -> None:
        try:
            draft = read_draft(row.fields, self.default_currency)
            if reason := self._duplicate(draft):
                report.skip(row.line, reason)
                return
            context = CommandContext(self.user_id, self.run_id, str(uuid.uuid4()))
            self.bus.handle(self._command(draft, context), context)
            report.imported += 1
        except AlreadyExists:
            report.already_imported += 1
        except StoreUnavailable as error:
            raise ImportStopped(row.line, report, error) from error
        except UniquenessViolation as taken:
            report.skip(row.line, _taken(taken))
            return
        except (DomainError, ApplicationError) as error:
            report.skip(row.line, str(error))
            return
        self._skus[draft.sku] = self._legacy_ids[draft.legacy_id] = row.line

    def _duplicate(self, draft: ProductDraft) -> str | None:
        if draft.legacy_id in self._legacy_ids:
            return f"duplicate legacy id {draft.legacy_id} (first on line {self._legacy_ids[draft.legacy_id]})"
        if draft.sku in self._skus:
            return f"duplicate sku {draft.sku} (first on line {self._skus[draft.sku]})"
        return None

    def _command(self, draft: ProductDraft, context: CommandContext) -> ImportProduct:
        return ImportProduct(
            product_id=imported_product_id(self.source, draft.legacy_id), sku=draft.sku, name=draft.name,
            description=draft.description, brand=draft.brand, attributes=draft.attributes,
            category_ids=self.categories.ids_for(draft.category_names, context), status=draft.status,
            source=self.source, legacy_id=draft.legacy_id, prices=draft.prices)


def _taken(violation: UniquenessViolation) -> str:
    kind, _, value = violation.key.partition(":")
    owner = f" by {violation.owner}" if violation.owner else ""
    return f"{kind} {value} is already taken{owner}"
