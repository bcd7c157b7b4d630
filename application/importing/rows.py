"""What a legacy source hands the importer: rows of fields, or rows it could not read.

A row's fields use the canonical legacy names, matched case-insensitively:
``id`` or ``legacy_id`` (the product's id in the legacy system; defaults to the sku), ``sku``,
``name``, ``description``, ``brand``, ``status`` (default draft), ``categories`` or ``category``
(names joined by ``|`` or ``;``, or a list), ``price`` with ``currency`` (default: the import's
currency), ``prices`` (a list of ``{amount, currency}``), ``attributes`` (an object). Every
other non-empty field becomes an attribute.
"""

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from application.errors import ApplicationError


@dataclass(frozen=True)
class LegacyRow:
    """One legacy product; `line` locates it in the source (a file line, a table row number)."""

    line: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class UnreadableRow:
    """A row the reader could not parse, and why."""

    line: int
    reason: str


class SourceError(ApplicationError):
    """The source as a whole cannot be read: a missing file or table, a malformed header."""


class LegacySource(abc.ABC):
    """A legacy catalog to import from."""

    @property
    @abc.abstractmethod
    def default_source_name(self) -> str:
        """The name recorded as the products' source when none is given (a file stem, a table)."""

    @abc.abstractmethod
    def count(self) -> int | None:
        """How many rows `rows` will yield, if it can be known cheaply beforehand."""

    @abc.abstractmethod
    def rows(self) -> Iterator[LegacyRow | UnreadableRow]:
        """Every row in source order. Raises SourceError when the source cannot be read at all."""
