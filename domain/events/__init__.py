"""Every domain event, one immutable class each, grouped by aggregate."""

from domain.events.base import DomainEvent
from domain.events.category import (
    CategoryCreated,
    CategoryDeleted,
    CategoryDescriptionUpdated,
    CategoryMoved,
    CategoryRenamed,
)
from domain.events.pricing import (
    DiscountAdded,
    DiscountRemoved,
    PriceChanged,
    PriceChangeScheduled,
    PriceSet,
)
from domain.events.product import (
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

ALL_EVENTS: tuple[type[DomainEvent], ...] = (
    ProductCreated,
    ProductDetailsUpdated,
    ProductAttributesChanged,
    ProductAddedToCategory,
    ProductRemovedFromCategory,
    ProductActivated,
    ProductDeactivated,
    ProductDiscontinued,
    ProductDeleted,
    ProductImported,
    CategoryCreated,
    CategoryRenamed,
    CategoryDescriptionUpdated,
    CategoryMoved,
    CategoryDeleted,
    PriceSet,
    PriceChanged,
    PriceChangeScheduled,
    DiscountAdded,
    DiscountRemoved,
)

__all__ = ["ALL_EVENTS", "DomainEvent"] + [event.__name__ for event in ALL_EVENTS]
