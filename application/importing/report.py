"""The outcome of an import run."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    """Counts of what happened to each row; skipped rows keep their line number and reason."""

    source: str
    run_id: str
    imported: int = 0
    already_imported: int = 0
    categories_created: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.imported + self.already_imported + len(self.skipped)

    def skip(self, line: int, reason: str) -> None:
        self.skipped.append(SkippedRow(line, reason))
