"""Events of the Category aggregate."""

from dataclasses import dataclass
from typing import ClassVar

from domain.events.base import DomainEvent


@dataclass(frozen=True, slots=True)
class CategoryEvent(DomainEvent):
    AGGREGATE: ClassVar[str] = "category"


@dataclass(frozen=True, slots=True)
class CategoryCreated(CategoryEvent):
    name: str
    slug: str
    parentId: str | None
    description: str


@dataclass(frozen=True, slots=True)
class CategoryRenamed(CategoryEvent):
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class CategoryDescriptionUpdated(CategoryEvent):
    description: str


@dataclass(frozen=True, slots=True)
class CategoryMoved(CategoryEvent):
    parentId: str | None
    previousParentId: str | None


@dataclass(frozen=True, slots=True)
class CategoryDeleted(CategoryEvent):
    pass
