"""The product catalog: each product's details, categories and status, and its price timeline.

Prices are stored as the Pricing aggregate keeps them, timeline entries and discounts, and
quoted when asked (see `catalog_view`). Like the aggregate, the view drops the timeline
entries an immediate price change supersedes: it answers "now and later"; questions about
the past go to the temporal queries, rebuilt from the events.
"""

from typing import Any

from application.envelope import StoredEvent, format_timestamp
from application.projections.changes import (
    Change,
    Delete,
    Handler,
    Projection,
    Row,
    Update,
    Upsert,
    to_millis,
)
from domain.events.base import DomainEvent
from domain.events.pricing import DiscountAdded, DiscountRemoved, PriceChanged, PriceChangeScheduled, PriceSet
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
from domain.product import ACTIVE, DISCONTINUED, DRAFT, INACTIVE

PRODUCTS, ATTRIBUTES, MEMBERSHIPS = "products", "product_attributes", "product_categories"
PRICES, DISCOUNTS = "product_prices", "product_discounts"
SEARCHABLE = ("name", "description", "brand")  # each kept beside a case-folded copy for text search


def searchable(**details: str | None) -> Row:
    """The details that changed, each with its case-folded copy (`name_folded`, ...)."""
    present = {key: value for key, value in details.items() if value is not None}
    return {**present, **{f"{key}_folded": value.casefold() for key, value in present.items()}}


def _new_product(envelope: StoredEvent, event: ProductCreated | ProductImported, status: str) -> list[Change]:
    product_id, moment = envelope.entity_id, format_timestamp(envelope.timestamp)
    row = {"id": product_id, "sku": event.sku, "status": status, "version": envelope.sequence_number,
           "created_at": moment, "updated_at": moment,
           **searchable(name=event.name, description=event.description, brand=event.brand)}
    return [Upsert(PRODUCTS, row),
            *(_attribute(product_id, key, value) for key, value in event.attributes.items()),
            *(Upsert(MEMBERSHIPS, {"product_id": product_id, "category_id": c}) for c in event.categoryIds)]


def _attribute(product_id: str, key: str, value: AttributeValue) -> Upsert:
    return Upsert(ATTRIBUTES, {"product_id": product_id, "key": key, "value": value})


def _touched(envelope: StoredEvent, **values: Any) -> Update:
    """The product row at the event's version, with whatever else the event changed."""
    return Update(PRODUCTS, {"id": envelope.entity_id},
                  {"version": envelope.sequence_number, "updated_at": format_timestamp(envelope.timestamp), **values})


def _created(event: ProductCreated, envelope: StoredEvent) -> list[Change]:
    return _new_product(envelope, event, DRAFT)


def _imported(event: ProductImported, envelope: StoredEvent) -> list[Change]:
    return _new_product(envelope, event, event.status)


def _details_updated(event: ProductDetailsUpdated, envelope: StoredEvent) -> list[Change]:
    return [_touched(envelope, **searchable(name=event.name, description=event.description, brand=event.brand))]


def _attributes_changed(event: ProductAttributesChanged, envelope: StoredEvent) -> list[Change]:
    product_id = envelope.entity_id
    return [_touched(envelope),
            *(_attribute(product_id, key, value) for key, value in event.set.items()),
            *(Delete(ATTRIBUTES, {"product_id": product_id, "key": key}) for key in event.removed)]


def _added_to_category(event: ProductAddedToCategory, envelope: StoredEvent) -> list[Change]:
    membership = {"product_id": envelope.entity_id, "category_id": event.categoryId}
    return [_touched(envelope), Upsert(MEMBERSHIPS, membership)]


def _removed_from_category(event: ProductRemovedFromCategory, envelope: StoredEvent) -> list[Change]:
    membership = {"product_id": envelope.entity_id, "category_id": event.categoryId}
    return [_touched(envelope), Delete(MEMBERSHIPS, membership)]


def _becomes(status: str) -> Handler:
    def status_changed(event: DomainEvent, envelope: StoredEvent) -> list[Change]:
        return [_touched(envelope, status=status)]
    return status_changed


def _deleted(event: ProductDeleted, envelope: StoredEvent) -> list[Change]:
    """The product's own rows go; its prices and discounts stay, unseen (every query starts from
    the product row): they come from the pricing stream, which may lie in another feed shard and
    be replayed after the deletion, so only the pricing stream's own events may change them."""
    product_id = envelope.entity_id
    return [Delete(PRODUCTS, {"id": product_id}),
            *(Delete(table, {"product_id": product_id}) for table in (ATTRIBUTES, MEMBERSHIPS))]


def _price_entry(event: PriceSet | PriceChanged | PriceChangeScheduled, envelope: StoredEvent) -> Upsert:
    return Upsert(PRICES, {"product_id": event.productId, "currency": event.currency,
                           "effective_from": to_millis(event.effectiveFrom), "sequence": envelope.sequence_number,
                           "amount": str(event.amount)})


def _price_now(event: PriceSet | PriceChanged, envelope: StoredEvent) -> list[Change]:
    superseded = Delete(PRICES, {"product_id": event.productId, "currency": event.currency},
                        at_most={"effective_from": to_millis(event.effectiveFrom)})
    return [superseded, _price_entry(event, envelope)]


def _price_scheduled(event: PriceChangeScheduled, envelope: StoredEvent) -> list[Change]:
    return [_price_entry(event, envelope)]


def _discount_added(event: DiscountAdded, envelope: StoredEvent) -> list[Change]:
    return [Upsert(DISCOUNTS, {
        "product_id": event.productId, "discount_id": event.discountId, "kind": event.kind,
        "value": str(event.value), "currency": event.currency,
        "valid_from": None if event.validFrom is None else to_millis(event.validFrom),
        "valid_until": None if event.validUntil is None else to_millis(event.validUntil)})]


def _discount_removed(event: DiscountRemoved, envelope: StoredEvent) -> list[Change]:
    return [Delete(DISCOUNTS, {"product_id": event.productId, "discount_id": event.discountId})]


CATALOG = Projection("catalog", (PRODUCTS, ATTRIBUTES, MEMBERSHIPS, PRICES, DISCOUNTS), {
    ProductCreated: _created, ProductImported: _imported, ProductDetailsUpdated: _details_updated,
    ProductAttributesChanged: _attributes_changed, ProductAddedToCategory: _added_to_category,
    ProductRemovedFromCategory: _removed_from_category, ProductActivated: _becomes(ACTIVE),
    ProductDeactivated: _becomes(INACTIVE), ProductDiscontinued: _becomes(DISCONTINUED), ProductDeleted: _deleted,
    PriceSet: _price_now, PriceChanged: _price_now, PriceChangeScheduled: _price_scheduled,
    DiscountAdded: _discount_added, DiscountRemoved: _discount_removed,
})
