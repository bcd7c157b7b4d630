"""Legacy products in a JSON Lines file: one object per line. Numbers with a fraction are read
as exact decimals, never floats, so prices keep their cents."""

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from application.importing import LegacyRow, LegacySource, SourceError, UnreadableRow


class JsonLinesSource(LegacySource):
    def __init__(self, path: Path, encoding: str = "utf-8") -> None:
        self.path = path
        self.encoding = encoding

    @property
    def default_source_name(self) -> str:
        return self.path.stem

    def count(self) -> int | None:
        return sum(1 for _, text in self._lines() if text.strip())

    def rows(self) -> Iterator[LegacyRow | UnreadableRow]:
        for line, text in self._lines():
            if text.strip():
                yield _parsed(line, text, self.encoding)

    def _lines(self) -> Iterator[tuple[int, str]]:
        try:
            with self.path.open(encoding=self.encoding, errors="replace") as lines:
                yield from enumerate(lines, start=1)
        except OSError as error:
            raise SourceError(f"cannot read {self.path}: {error.strerror or error}") from error
        except LookupError as error:
            raise SourceError(str(error)) from error


def _parsed(line: int, text: str, encoding: str) -> LegacyRow | UnreadableRow:
    if "\ufffd" in text:
        return UnreadableRow(line, f"is not valid {encoding} text")
    try:
        fields = json.loads(text, parse_float=Decimal)
    except ValueError as error:
        return UnreadableRow(line, f"not valid JSON: {error}")
    if not isinstance(fields, dict):
        return UnreadableRow(line, "is not a JSON object")
    return LegacyRow(line, fields)
