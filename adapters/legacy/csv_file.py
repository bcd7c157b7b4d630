"""Legacy products in a CSV file with a header row; every column outside the canonical names
becomes an attribute. Line numbers are the file lines on which records start."""

import _csv
import csv
from collections.abc import Iterator
from pathlib import Path

from application.importing import LegacyRow, LegacySource, SourceError, UnreadableRow

Record = tuple[int, dict[str, str]]


def csv_records(path: Path, encoding: str) -> Iterator[Record | UnreadableRow]:
    """Each record after the header as (line, {column: value}); columns without a name are
    dropped. Raises SourceError when the file or its header cannot be read."""
    try:
        with path.open(newline="", encoding=encoding, errors="replace") as text:
            reader = csv.reader(text)
            header = _header(reader, path)
            yield from _records(reader, header, encoding)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror or error}") from error
    except LookupError as error:
        raise SourceError(str(error)) from error


def _header(reader: "_csv.Reader", path: Path) -> list[str]:
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    except csv.Error as error:
        raise SourceError(f"{path} has an unreadable header: {error}") from error
    named = [name for name in header if name]
    if not named:
        raise SourceError(f"{path} has no header row")
    repeated = sorted({name for name in named if named.count(name) > 1})
    if repeated:
        raise SourceError(f"{path} names these columns more than once: {', '.join(repeated)}")
    return header


def _records(reader: "_csv.Reader", header: list[str], encoding: str) -> Iterator[Record | UnreadableRow]:
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield UnreadableRow(line, f"not valid CSV: {error}")
            continue
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield UnreadableRow(line, f"has {len(values)} fields, the header has {len(header)}")
        elif any("\ufffd" in value for value in values):
            yield UnreadableRow(line, f"is not valid {encoding} text")
        else:
            yield line, {name: value for name, value in zip(header, values, strict=True) if name}


class CsvFileSource(LegacySource):
    def __init__(self, path: Path, encoding: str = "utf-8") -> None:
        self.path = path
        self.encoding = encoding

    @property
    def default_source_name(self) -> str:
        return self.path.stem

    def count(self) -> int | None:
        return sum(1 for _ in csv_records(self.path, self.encoding))

    def rows(self) -> Iterator[LegacyRow | UnreadableRow]:
        for record in csv_records(self.path, self.encoding):
            yield record if isinstance(record, UnreadableRow) else LegacyRow(*record)
