"""The category tree: each category's place in the tree and how many products it holds.

The view keeps its own list of which products are in which category, so it depends on no
other view; `productCount` counts the live products directly in a category, whatever their
status (products of its subcategories are counted there, not here).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from application.envelope import StoredEvent, format_timestamp
from application.projections.changes import Change, Delete, Projection, Row, Update, Upsert
from domain.events.category import (
    CategoryCreated,
    CategoryDeleted,
    CategoryDescriptionUpdated,
    CategoryMoved,
    CategoryRenamed,
)
from domain.events.product import (
    ProductAddedToCategory,
    ProductCreated,
    ProductDeleted,
    ProductImported,
    ProductRemovedFromCategory,
)

CATEGORIES, MEMBERS = "categories", "category_products"


def _touched(envelope: StoredEvent, **values: Any) -> list[Change]:
    return [Update(CATEGORIES, {"id": envelope.entity_id},
                   {"version": envelope.sequence_number, "updated_at": format_timestamp(envelope.timestamp),
                    **values})]


def _created(event: CategoryCreated, envelope: StoredEvent) -> list[Change]:
    moment = format_timestamp(envelope.timestamp)
    return [Upsert(CATEGORIES, {"id": envelope.entity_id, "name": event.name, "slug": event.slug,
                                "parent_id": event.parentId, "description": event.description,
                                "version": envelope.sequence_number, "created_at": moment, "updated_at": moment})]


def _renamed(event: CategoryRenamed, envelope: StoredEvent) -> list[Change]:
    return _touched(envelope, name=event.name, slug=event.slug)


def _description_updated(event: CategoryDescriptionUpdated, envelope: StoredEvent) -> list[Change]:
    return _touched(envelope, description=event.description)


def _moved(event: CategoryMoved, envelope: StoredEvent) -> list[Change]:
    return _touched(envelope, parent_id=event.parentId)


def _deleted(event: CategoryDeleted, envelope: StoredEvent) -> list[Change]:
    return [Delete(CATEGORIES, {"id": envelope.entity_id}), Delete(MEMBERS, {"category_id": envelope.entity_id})]


def _product_arrived(event: ProductCreated | ProductImported, envelope: StoredEvent) -> list[Change]:
    return [Upsert(MEMBERS, {"category_id": category_id, "product_id": envelope.entity_id})
            for category_id in event.categoryIds]


def _product_added(event: ProductAddedToCategory, envelope: StoredEvent) -> list[Change]:
    return [Upsert(MEMBERS, {"category_id": event.categoryId, "product_id": envelope.entity_id})]


def _product_removed(event: ProductRemovedFromCategory, envelope: StoredEvent) -> list[Change]:
    return [Delete(MEMBERS, {"category_id": event.categoryId, "product_id": envelope.entity_id})]


def _product_deleted(event: ProductDeleted, envelope: StoredEvent) -> list[Change]:
    return [Delete(MEMBERS, {"product_id": envelope.entity_id})]


CATEGORY_TREE = Projection("category_tree", (CATEGORIES, MEMBERS), {
    CategoryCreated: _created, CategoryRenamed: _renamed, CategoryDescriptionUpdated: _description_updated,
    CategoryMoved: _moved, CategoryDeleted: _deleted,
    ProductCreated: _product_arrived, ProductImported: _product_arrived, ProductAddedToCategory: _product_added,
    ProductRemovedFromCategory: _product_removed, ProductDeleted: _product_deleted,
})


def category_forest(rows: Iterable[Row], product_counts: Mapping[str, int]) -> list[dict[str, Any]]:
    """The root categories, each with its `children` (by name, recursively) and product count.

    A category whose parent is not in the view (it cannot happen while the store checks
    references, but a view must not lose data) is shown as a root.
    """
    views = {row["id"]: _category_view(row, product_counts.get(row["id"], 0)) for row in rows}
    roots: list[dict[str, Any]] = []
    for view in sorted(views.values(), key=lambda view: (view["name"], view["id"])):
        parent = views.get(view["parentId"]) if view["parentId"] else None
        (parent["children"] if parent is not None else roots).append(view)
    return roots


def find_category(forest: Iterable[dict[str, Any]], category_id: str) -> dict[str, Any] | None:
    """The category, with its subtree, anywhere in the forest."""
    for view in forest:
        found = view if view["id"] == category_id else find_category(view["children"], category_id)
        if found is not None:
            return found
    return None


def _category_view(row: Row, product_count: int) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "slug": row["slug"], "parentId": row["parent_id"],
            "description": row["description"], "version": row["version"], "productCount": product_count,
            "createdAt": row["created_at"], "updatedAt": row["updated_at"], "children": []}
