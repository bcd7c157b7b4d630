"""The read side: what the query API asks of the catalog's read models.

Read models are kept by projections (pure functions of events, in application/projections/)
and stored by an adapter (SQL through SQLAlchemy). Every view is a JSON-ready dict; money is
a decimal string.
"""

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from application.envelope import StoredEvent


@dataclass(frozen=True)
class ProductFilter:
    category_id: str | None = None
    status: str | None = None
    text: str | None = None  # matched against sku, name, brand and description
    min_price: Decimal | None = None  # bounds on the current effective price in `currency`
    max_price: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    checkpoints: dict[int, int]  # feed shard -> last position applied
    lag: int  # events committed to the feed but not yet applied


class ReadModelsRebuild(abc.ABC):
    """A fresh, empty generation of every view, filled by replay while the live one serves."""

    @property
    @abc.abstractmethod
    def generation(self) -> int:
        """The new generation's number, by which helpers write their shares to it."""

    @abc.abstractmethod
    def project(self, events: Sequence[StoredEvent]) -> None:
        """Applies events of the feed to the new generation, as `ReadModels.project` does."""

    @abc.abstractmethod
    def checkpoints(self) -> dict[int, int]:
        """The feed position (per shard) up to which the new generation has applied events."""

    @abc.abstractmethod
    def go_live(self) -> None:
        """Atomically makes the new generation the one every query reads; drops the old one."""

    @abc.abstractmethod
    def discard(self) -> None:
        """Drops the new generation (a rebuild that failed); the live one is untouched."""


class ReadModels(abc.ABC):
    """The catalog, category tree and price history views, and the projections that keep them."""

    @abc.abstractmethod
    def project(self, events: Sequence[StoredEvent]) -> None:
        """Applies events of the feed in position order; each projection skips what its
        checkpoint has passed, and stores its checkpoint in the transaction of its rows."""

    @abc.abstractmethod
    def checkpoints(self) -> dict[int, int]:
        """The feed position (per shard) up to which every projection has applied events."""

    @abc.abstractmethod
    def projection_checkpoints(self) -> dict[str, dict[int, int]]:
        """Each projection's own checkpoint (feed shard -> last position applied), by name."""

    @abc.abstractmethod
    def start_rebuild(self) -> ReadModelsRebuild:
        """A new, empty generation of the views; queries keep reading the live one until it
        goes live. One rebuild at a time: starting one drops any unfinished generation."""

    @abc.abstractmethod
    def rebuild_part(self, generation: int, projections: Sequence[str]) -> ReadModelsRebuild:
        """A helper's share of a rebuild in progress: the named projections of the unfinished
        `generation`, which only it writes meanwhile; the rebuild itself makes it go live."""

    @abc.abstractmethod
    def product(self, product_id: str, now: datetime) -> dict[str, Any] | None:
        """The product view with its prices in effect at `now`; None if unknown or deleted."""

    @abc.abstractmethod
    def products(self, where: ProductFilter, cursor: str | None, limit: int, now: datetime) -> Page:
        """Products matching the filter, in a stable order, a page at a time."""

    @abc.abstractmethod
    def category(self, category_id: str) -> dict[str, Any] | None:
        """The category view with its product count; None if unknown or deleted."""

    @abc.abstractmethod
    def category_tree(self) -> list[dict[str, Any]]:
        """Root categories, each with its `children`, recursively, and product counts."""

    @abc.abstractmethod
    def price_history(self, product_id: str) -> list[dict[str, Any]]:
        """Every base price change and discount change of the product, oldest first."""
