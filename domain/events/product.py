"""Events of the Product aggregate."""

from dataclasses import dataclass
from typing import ClassVar

from domain.events.base import DomainEvent

AttributeValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class ProductEvent(DomainEvent):
    AGGREGATE: ClassVar[str] = "product"


@dataclass(frozen=True, slots=True)
class ProductCreated(ProductEvent):
    sku: str
    name: str
    description: str
    brand: str
    attributes: dict[str, AttributeValue]
    categoryIds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProductImported(ProductEvent):
    """A product brought over from a legacy catalog, in whatever status it had there."""

    sku: str
    name: str
    description: str
    brand: str
    attributes: dict[str, AttributeValue]
    categoryIds: tuple[str, ...]
    status: str
    source: str
    legacyId: str


@dataclass(frozen=True, slots=True)
class ProductDetailsUpdated(ProductEvent):
    """Carries only the fields that changed; the others are None."""

    name: str | None = None
    description: str | None = None
    brand: str | None = None


@dataclass(frozen=True, slots=True)
class ProductAttributesChanged(ProductEvent):
    set: dict[str, AttributeValue]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProductAddedToCategory(ProductEvent):
    categoryId: str


@dataclass(frozen=True, slots=True)
class ProductRemovedFromCategory(ProductEvent):
    categoryId: str


@dataclass(frozen=True, slots=True)
class ProductActivated(ProductEvent):
    pass


@dataclass(frozen=True, slots=True)
class ProductDeactivated(ProductEvent):
    pass


@dataclass(frozen=True, slots=True)
class ProductDiscontinued(ProductEvent):
    pass


@dataclass(frozen=True, slots=True)
class ProductDeleted(ProductEvent):
    pass
