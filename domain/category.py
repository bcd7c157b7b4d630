"""The Category aggregate: a node in the category tree."""

from collections.abc import Collection
from typing import Any

from domain import values
from domain.aggregate import Aggregate, applies
from domain.errors import EntityDeleted, RuleViolation
from domain.events.category import (
    CategoryCreated,
    CategoryDeleted,
    CategoryDescriptionUpdated,
    CategoryMoved,
    CategoryRenamed,
)


def category_key(category_id: str) -> str:
    """The key a live category holds; products and child categories refer to it."""
    return f"category:{category_id}"


class Category(Aggregate):
    AGGREGATE_TYPE = "category"
    SNAPSHOT_SCHEMA = 1

    def __init__(self, entity_id: str) -> None:
        super().__init__(entity_id)
        self.name = ""
        self.slug = ""
        self.parent_id: str | None = None
        self.description = ""
        self.deleted = False

    # commands

    def create(self, name: str, slug: str | None = None, parent_id: str | None = None,
               description: str = "") -> None:
        if self.exists:
            raise RuleViolation(f"category {self.id} already exists")
        clean_name = values.name(name)
        parent = None if parent_id is None else values.entity_id(parent_id, "parentId")
        if parent == self.id:
            raise RuleViolation("a category cannot be its own parent")
        self._record(CategoryCreated(
            name=clean_name, slug=values.slug(slug if slug is not None else values.slugify(clean_name)),
            parentId=parent, description=values.free_text(description, "description")))

    def rename(self, name: str, slug: str | None = None) -> None:
        self._require_live()
        clean_name = values.name(name)
        clean_slug = self.slug if slug is None else values.slug(slug)
        if (clean_name, clean_slug) != (self.name, self.slug):
            self._record(CategoryRenamed(name=clean_name, slug=clean_slug))

    def update_description(self, description: str) -> None:
        self._require_live()
        text = values.free_text(description, "description")
        if text != self.description:
            self._record(CategoryDescriptionUpdated(description=text))

    def move(self, parent_id: str | None, ancestors_of_parent: Collection[str] = ()) -> None:
        """`ancestors_of_parent` is the chain from the new parent up to the root."""
        self._require_live()
        parent = None if parent_id is None else values.entity_id(parent_id, "parentId")
        if parent == self.parent_id:
            return
        if parent == self.id or self.id in ancestors_of_parent:
            raise RuleViolation("moving the category there would create a cycle")
        self._record(CategoryMoved(parentId=parent, previousParentId=self.parent_id))

    def delete(self, child_count: int, product_count: int) -> None:
        self._require_live()
        if child_count:
            raise RuleViolation(f"the category still has {child_count} child categories")
        if product_count:
            raise RuleViolation(f"the category still has {product_count} products")
        self._record(CategoryDeleted())

    def _require_live(self) -> None:
        if not self.exists:
            raise RuleViolation(f"category {self.id} does not exist")
        if self.deleted:
            raise EntityDeleted(f"category {self.id} was deleted")

    # appliers

    @applies(CategoryCreated)
    def _created(self, event: CategoryCreated) -> None:
        self.name, self.slug, self.parent_id = event.name, event.slug, event.parentId
        self.description = event.description

    @applies(CategoryRenamed)
    def _renamed(self, event: CategoryRenamed) -> None:
        self.name, self.slug = event.name, event.slug

    @applies(CategoryDescriptionUpdated)
    def _description_updated(self, event: CategoryDescriptionUpdated) -> None:
        self.description = event.description

    @applies(CategoryMoved)
    def _moved(self, event: CategoryMoved) -> None:
        self.parent_id = event.parentId

    @applies(CategoryDeleted)
    def _deleted(self, event: CategoryDeleted) -> None:
        self.deleted = True

    # index

    def unique_keys(self) -> set[str]:
        live = self.exists and not self.deleted
        return {f"slug:{self.slug}", category_key(self.id)} if live else set()

    def referenced_keys(self) -> set[str]:
        if self.parent_id is None or self.deleted:
            return set()
        return {category_key(self.parent_id)}

    # snapshots

    def snapshot_state(self) -> dict[str, Any]:
        return {"name": self.name, "slug": self.slug, "parentId": self.parent_id,
                "description": self.description, "deleted": self.deleted}

    def _restore(self, state: dict[str, Any]) -> None:
        self.name, self.slug, self.parent_id = state["name"], state["slug"], state["parentId"]
        self.description, self.deleted = state["description"], state["deleted"]
