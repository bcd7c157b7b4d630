"""An id names one entity of one kind: a command or a question about another kind finds nothing
there (NotFound, a 404), rather than failing on events that kind cannot apply (a KeyError, a 500)."""

import pytest

from application.errors import NotFound
from domain.category import Category
from domain.commands import (
    ActivateProduct,
    AddDiscount,
    DeleteCategory,
    DeleteProduct,
    MoveCategory,
    ReviseCategory,
    SetPrice,
    UpdateProduct,
)
from domain.pricing import PriceHistory, Pricing, pricing_id
from domain.product import Product
from tests.unit.catalog import Catalog
from tests.unit.given import CATEGORY_ID, NOW, PRODUCT_ID

ON_ANOTHER_KIND = [
    ReviseCategory(PRODUCT_ID, name="Renamed"),
    MoveCategory(PRODUCT_ID, None),
    DeleteCategory(PRODUCT_ID),
    UpdateProduct(CATEGORY_ID, name="Renamed"),
    ActivateProduct(CATEGORY_ID),
    DeleteProduct(CATEGORY_ID),
    SetPrice(CATEGORY_ID, "1.00", "EUR"),
    AddDiscount(CATEGORY_ID, "d-1", "percentage", "5"),
]


@pytest.mark.parametrize("command", ON_ANOTHER_KIND, ids=lambda command: type(command).__name__)
def test_a_command_naming_an_entity_of_another_kind_is_not_found_and_changes_nothing(boot: Catalog, command):
    streams = {entity_id: len(boot.stream(entity_id)) for entity_id in (PRODUCT_ID, CATEGORY_ID)}

    with pytest.raises(NotFound):
        boot.handle(command)

    assert {entity_id: len(boot.stream(entity_id)) for entity_id in streams} == streams


def test_a_pricing_stream_is_no_product_and_a_product_has_no_pricing_stream_id(boot: Catalog):
    boot.handle(SetPrice(PRODUCT_ID, "10.00", "EUR"))

    with pytest.raises(NotFound):
        boot.load(Product, pricing_id(PRODUCT_ID))
    with pytest.raises(NotFound):
        boot.load(Pricing, PRODUCT_ID)


@pytest.mark.parametrize("kind", [Product, Category, PriceHistory])
def test_the_past_of_an_entity_of_another_kind_is_not_found(boot: Catalog, kind):
    other = {Product: CATEGORY_ID, Category: PRODUCT_ID, PriceHistory: PRODUCT_ID}[kind]

    with pytest.raises(NotFound):
        boot.temporal.state(kind, other, version=1)
    with pytest.raises(NotFound):
        boot.temporal.state(kind, other, as_of=NOW)


def test_the_history_asked_for_as_one_kind_is_not_found_on_another(boot: Catalog):
    assert [event.event_type for event in boot.temporal.history(PRODUCT_ID, Product)] == ["ProductCreated"]
    with pytest.raises(NotFound):
        boot.temporal.history(PRODUCT_ID, Category)
    with pytest.raises(NotFound):
        boot.temporal.history(CATEGORY_ID, Product)
