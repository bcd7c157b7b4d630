"""The Product aggregate: identity, details, attributes, categories and lifecycle."""

import math
from collections.abc import Iterable, Mapping
from typing import Any

from domain import values
from domain.aggregate import Aggregate, applies
from domain.category import category_key
from domain.errors import EntityDeleted, InvalidValue, RuleViolation
from domain.events.product import (
    AttributeValue,
    ProductActivated,
    ProductAddedToCategory,
    ProductAttributesChanged,
    ProductCreated,
    ProductDeactivated,
    ProductDeleted,
    ProductDetailsUpdated,
    ProductDiscontinued,
    ProductImported,
    ProductRemovedFromCategory,
)

DRAFT, ACTIVE, INACTIVE, DISCONTINUED = "draft", "active", "inactive", "discontinued"
STATUSES = (DRAFT, ACTIVE, INACTIVE, DISCONTINUED)
ATTRIBUTE_KEY_MAX = 100
ATTRIBUTES_MAX = 200
ATTRIBUTE_TEXT_MAX = 1000


def attributes(raw: Mapping[str, Any], field: str = "attributes") -> dict[str, AttributeValue]:
    if not isinstance(raw, Mapping):
        raise InvalidValue(field, "must be an object of string keys")
    if len(raw) > ATTRIBUTES_MAX:
        raise InvalidValue(field, f"at most {ATTRIBUTES_MAX} attributes")
    return {_attribute_key(key, field): _attribute_value(key, value, field) for key, value in raw.items()}


def _attribute_key(key: object, field: str) -> str:
    if not isinstance(key, str) or not 1 <= len(key.strip()) <= ATTRIBUTE_KEY_MAX:
        raise InvalidValue(field, f"keys must be 1-{ATTRIBUTE_KEY_MAX} characters")
    return key.strip()


def _attribute_value(key: str, value: object, field: str) -> AttributeValue:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue(f"{field}.{key}", "must be a finite number")
    if not isinstance(value, (str, int, float, bool)):
        raise InvalidValue(f"{field}.{key}", "must be a string, number or boolean")
    if isinstance(value, str) and len(value) > ATTRIBUTE_TEXT_MAX:
        raise InvalidValue(f"{field}.{key}", f"must be at most {ATTRIBUTE_TEXT_MAX} characters")
    return value


def category_ids(raw: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values.entity_id(item, "categoryIds") for item in raw))


class Product(Aggregate):
    AGGREGATE_TYPE = "product"
    SNAPSHOT_SCHEMA = 1

    def __init__(self, entity_id: str) -> None:
        super().__init__(entity_id)
        self.sku = ""
        self.name = ""
        self.description = ""
        self.brand = ""
        self.attributes: dict[str, AttributeValue] = {}
        self.category_ids: set[str] = set()
        self.status = DRAFT
        self.deleted = False

    # commands

    def create(self, sku: str, name: str, description: str = "", brand: str = "",
               attributes_: Mapping[str, Any] | None = None,
               categories: Iterable[str] = ()) -> None:
        if self.exists:
            raise RuleViolation(f"product {self.id} already exists")
        self._record(ProductCreated(
            sku=values.sku(sku), name=values.name(name),
            description=values.free_text(description, "description"),
            brand=values.free_text(brand, "brand"),
            attributes=attributes(attributes_ or {}), categoryIds=category_ids(categories)))

    def import_legacy(self, sku: str, name: str, description: str, brand: str,
                      attributes_: Mapping[str, Any], categories: Iterable[str],
                      status: str, source: str, legacy_id: str) -> None:
        if self.exists:
            raise RuleViolation(f"product {self.id} already exists")
        if status not in STATUSES:
            raise InvalidValue("status", f"must be one of {', '.join(STATUSES)}")
        if status == ACTIVE and not categories:
            raise RuleViolation("an active product needs at least one category")
        self._record(ProductImported(
            sku=values.sku(sku), name=values.name(name),
            description=values.free_text(description, "description"),
            brand=values.free_text(brand, "brand"), attributes=attributes(attributes_),
            categoryIds=category_ids(categories), status=status, source=source,
            legacyId=legacy_id))

    def update_details(self, name: str | None = None, description: str | None = None,
                       brand: str | None = None) -> None:
        self._require_open()
        changes = {
            "name": None if name is None else values.name(name),
            "description": None if description is None else values.free_text(description, "description"),
            "brand": None if brand is None else values.free_text(brand, "brand"),
        }
        changed = {key: value for key, value in changes.items()
                   if value is not None and value != getattr(self, key)}
        if changed:
            self._record(ProductDetailsUpdated(**changed))

    def change_attributes(self, set_: Mapping[str, Any], remove: Iterable[str] = ()) -> None:
        self._require_open()
        new = {key: value for key, value in attributes(set_).items()
               if key not in self.attributes or self.attributes[key] != value
               or type(self.attributes[key]) is not type(value)}
        stripped = (key.strip() for key in remove if isinstance(key, str))
        removed = tuple(key for key in dict.fromkeys(stripped) if key in self.attributes and key not in new)
        if new or removed:
            self._record(ProductAttributesChanged(set=new, removed=removed))

    def add_to_category(self, category_id: str) -> None:
        self._require_open()
        category_id = values.entity_id(category_id, "categoryId")
        if category_id not in self.category_ids:
            self._record(ProductAddedToCategory(categoryId=category_id))

    def remove_from_category(self, category_id: str) -> None:
        self._require_open()
        category_id = values.entity_id(category_id, "categoryId")
        if category_id not in self.category_ids:
            return
        if self.status == ACTIVE and len(self.category_ids) == 1:
            raise RuleViolation("an active product must stay in at least one category")
        self._record(ProductRemovedFromCategory(categoryId=category_id))

    def activate(self, has_current_price: bool) -> None:
        self._require_open()
        if self.status == ACTIVE:
            return
        if not self.name:
            raise RuleViolation("a product needs a name to be activated")
        if not self.category_ids:
            raise RuleViolation("a product needs at least one category to be activated")
        if not has_current_price:
            raise RuleViolation("a product needs a current price to be activated")
        self._record(ProductActivated())

    def deactivate(self) -> None:
        self._require_open()
        if self.status == INACTIVE:
            return
        if self.status != ACTIVE:
            raise RuleViolation(f"only an active product can be deactivated (it is {self.status})")
        self._record(ProductDeactivated())

    def discontinue(self) -> None:
        self._require_exists()
        if self.status == DISCONTINUED:
            return
        if self.status not in (ACTIVE, INACTIVE):
            raise RuleViolation(f"only an active or inactive product can be discontinued (it is {self.status})")
        self._record(ProductDiscontinued())

    def delete(self) -> None:
        self._require_exists()
        self._record(ProductDeleted())

    def _require_exists(self) -> None:
        if not self.exists:
            raise RuleViolation(f"product {self.id} does not exist")
        if self.deleted:
            raise EntityDeleted(f"product {self.id} was deleted")

    def _require_open(self) -> None:
        self._require_exists()
        if self.status == DISCONTINUED:
            raise RuleViolation("a discontinued product accepts only deletion")

    # appliers

    @applies(ProductCreated)
    def _created(self, event: ProductCreated) -> None:
        self.sku, self.name, self.description, self.brand = event.sku, event.name, event.description, event.brand
        self.attributes = dict(event.attributes)
        self.category_ids = set(event.categoryIds)

    @applies(ProductImported)
    def _imported(self, event: ProductImported) -> None:
        self.sku, self.name, self.description, self.brand = event.sku, event.name, event.description, event.brand
        self.attributes = dict(event.attributes)
        self.category_ids = set(event.categoryIds)
        self.status = event.status

    @applies(ProductDetailsUpdated)
    def _details_updated(self, event: ProductDetailsUpdated) -> None:
        for key in ("name", "description", "brand"):
            value = getattr(event, key)
            if value is not None:
                setattr(self, key, value)

    @applies(ProductAttributesChanged)
    def _attributes_changed(self, event: ProductAttributesChanged) -> None:
        self.attributes.update(event.set)
        for key in event.removed:
            self.attributes.pop(key, None)

    @applies(ProductAddedToCategory)
    def _added_to_category(self, event: ProductAddedToCategory) -> None:
        self.category_ids.add(event.categoryId)

    @applies(ProductRemovedFromCategory)
    def _removed_from_category(self, event: ProductRemovedFromCategory) -> None:
        self.category_ids.discard(event.categoryId)

    @applies(ProductActivated)
    def _activated(self, event: ProductActivated) -> None:
        self.status = ACTIVE

    @applies(ProductDeactivated)
    def _deactivated(self, event: ProductDeactivated) -> None:
        self.status = INACTIVE

    @applies(ProductDiscontinued)
    def _discontinued(self, event: ProductDiscontinued) -> None:
        self.status = DISCONTINUED

    @applies(ProductDeleted)
    def _deleted(self, event: ProductDeleted) -> None:
        self.deleted = True

    # index

    def unique_keys(self) -> set[str]:
        return {f"sku:{self.sku}"} if self.exists and not self.deleted else set()

    def referenced_keys(self) -> set[str]:
        return set() if self.deleted else {category_key(c) for c in self.category_ids}

    # snapshots

    def snapshot_state(self) -> dict[str, Any]:
        return {"sku": self.sku, "name": self.name, "description": self.description,
                "brand": self.brand, "attributes": dict(self.attributes),
                "categoryIds": sorted(self.category_ids), "status": self.status,
                "deleted": self.deleted}

    def _restore(self, state: dict[str, Any]) -> None:
        self.sku, self.name = state["sku"], state["name"]
        self.description, self.brand = state["description"], state["brand"]
        self.attributes = dict(state["attributes"])
        self.category_ids = set(state["categoryIds"])
        self.status, self.deleted = state["status"], state["deleted"]
