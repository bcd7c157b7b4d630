"""Routing keys of the event messages: `<aggregate>.<event>` in lower snake case.

The event's name loses the aggregate's name when it starts with it, so that the key does not
say it twice: ProductCreated -> product.created, CategoryMoved -> category.moved, PriceChanged
-> price.changed, PriceChangeScheduled -> price.change_scheduled, PriceSet -> price.set. An
event named otherwise keeps its whole name: DiscountAdded -> price.discount_added.
"""

import re

_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(name: str) -> str:
    """ProductAttributesChanged -> product_attributes_changed."""
    return _WORD_START.sub("_", name).lower()


def routing_key(aggregate_type: str, event_type: str) -> str:
    """The key an event is published with on the events exchange."""
    aggregate = snake_case(aggregate_type)
    event = snake_case(event_type)
    prefix = f"{aggregate}_"
    if event.startswith(prefix) and len(event) > len(prefix):
        event = event[len(prefix):]
    return f"{aggregate}.{event}"
