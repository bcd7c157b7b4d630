"""Commands: what a user asks the catalog to do. Plain data; the aggregates judge them.

`expected_version`, where present, makes the command conditional on the entity still being at
that version (optimistic concurrency for clients that read before they write).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Command:
    pass


@dataclass(frozen=True)
class CreateProduct(Command):
    product_id: str
    sku: str
    name: str
    description: str = ""
    brand: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    category_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportProduct(Command):
    product_id: str
    sku: str
    name: str
    description: str
    brand: str
    attributes: dict[str, Any]
    category_ids: tuple[str, ...]
    status: str
    source: str
    legacy_id: str
    prices: tuple[tuple[str, str], ...] = ()  # (amount, currency)


@dataclass(frozen=True)
class UpdateProductDetails(Command):
    product_id: str
    name: str | None = None
    description: str | None = None
    brand: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class UpdateProduct(Command):
    """Details and attributes together, as one change (HTTP PATCH)."""

    product_id: str
    name: str | None = None
    description: str | None = None
    brand: str | None = None
    set_attributes: dict[str, Any] = field(default_factory=dict)
    remove_attributes: tuple[str, ...] = ()
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangeProductAttributes(Command):
    product_id: str
    set: dict[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    expected_version: int | None = None


@dataclass(frozen=True)
class AddProductToCategory(Command):
    product_id: str
    category_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveProductFromCategory(Command):
    product_id: str
    category_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ActivateProduct(Command):
    product_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DeactivateProduct(Command):
    product_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DiscontinueProduct(Command):
    product_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DeleteProduct(Command):
    product_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CreateCategory(Command):
    category_id: str
    name: str
    slug: str | None = None
    parent_id: str | None = None
    description: str = ""


@dataclass(frozen=True)
class ReviseCategory(Command):
    """Name, slug and description together, as one change (HTTP PATCH)."""

    category_id: str
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RenameCategory(Command):
    category_id: str
    name: str
    slug: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class UpdateCategoryDescription(Command):
    category_id: str
    description: str
    expected_version: int | None = None


@dataclass(frozen=True)
class MoveCategory(Command):
    category_id: str
    parent_id: str | None
    expected_version: int | None = None


@dataclass(frozen=True)
class DeleteCategory(Command):
    category_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class SetPrice(Command):
    product_id: str
    amount: str
    currency: str
    effective_from: datetime | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class AddDiscount(Command):
    product_id: str
    discount_id: str
    kind: str
    value: str
    currency: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveDiscount(Command):
    product_id: str
    discount_id: str
    expected_version: int | None = None
