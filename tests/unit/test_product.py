"""Product: creation, details, attributes and categories."""

import math

import pytest

from domain.errors import InvalidValue, RuleViolation
from domain.events import (
    ProductActivated,
    ProductAddedToCategory,
    ProductAttributesChanged,
    ProductCreated,
    ProductDeactivated,
    ProductDetailsUpdated,
    ProductRemovedFromCategory,
)
from domain.product import ATTRIBUTES_MAX, Product
from tests.unit.given import CATEGORY_ID, OTHER_CATEGORY_ID, PRODUCT_ID, given, product_created


def new_product() -> Product:
    return given(Product, PRODUCT_ID)


# creation


def test_creation_records_the_normalised_sku_trimmed_name_and_each_category_once():
    product = new_product()

    product.create(" boot-1 ", "  Boot ", "Warm", "Acme", {"size": 42},
                   [CATEGORY_ID, CATEGORY_ID.upper(), OTHER_CATEGORY_ID])

    assert product.collect_events() == [ProductCreated(
        sku="BOOT-1", name="Boot", description="Warm", brand="Acme", attributes={"size": 42},
        categoryIds=(CATEGORY_ID, OTHER_CATEGORY_ID))]
    assert (product.status, product.version) == ("draft", 1)


@pytest.mark.parametrize(("sku", "name", "field"), [
    ("no spaces", "Boot", "sku"), ("", "Boot", "sku"), ("BOOT-1", "", "name"), ("BOOT-1", "x" * 201, "name"),
])
def test_creation_is_refused_with_a_bad_sku_or_name(sku, name, field):
    with pytest.raises(InvalidValue) as refused:
        new_product().create(sku, name)
    assert refused.value.field == field


def test_creation_is_refused_with_a_category_that_is_not_a_uuid():
    with pytest.raises(InvalidValue, match="categoryIds"):
        new_product().create("BOOT-1", "Boot", categories=["shoes"])


def test_a_product_cannot_be_created_twice():
    with pytest.raises(RuleViolation, match="already exists"):
        given(Product, PRODUCT_ID, product_created()).create("BOOT-2", "Other")


@pytest.mark.parametrize("value", ["red", 42, 4.5, True, False, 0, ""])
def test_attribute_values_may_be_strings_numbers_or_booleans(value):
    product = new_product()

    product.create("BOOT-1", "Boot", attributes_={"spec": value})

    assert product.attributes == {"spec": value}


@pytest.mark.parametrize("value", [None, [1], {"a": 1}, math.nan, math.inf, b"raw"])
def test_attribute_values_of_other_types_are_refused(value):
    with pytest.raises(InvalidValue) as refused:
        new_product().create("BOOT-1", "Boot", attributes_={"spec": value})
    assert refused.value.field == "attributes.spec"


@pytest.mark.parametrize("attributes", [{"": 1}, {"   ": 1}, {"k" * 101: 1}, {7: 1},
                                        {f"k{i}": i for i in range(ATTRIBUTES_MAX + 1)}])
def test_attribute_keys_must_be_1_to_100_characters_and_at_most_200_of_them(attributes):
    with pytest.raises(InvalidValue):
        new_product().create("BOOT-1", "Boot", attributes_=attributes)


# details


def test_details_update_carries_only_the_fields_that_changed():
    product = given(Product, PRODUCT_ID, product_created(name="Boot", brand="Acme", description="Warm"))

    product.update_details(name="Boot", description="Warm", brand="Zeta")

    assert product.collect_events() == [ProductDetailsUpdated(brand="Zeta")]
    assert (product.name, product.brand) == ("Boot", "Zeta")


def test_details_update_can_clear_the_description():
    product = given(Product, PRODUCT_ID, product_created(description="Warm"))

    product.update_details(description="")

    assert product.collect_events() == [ProductDetailsUpdated(description="")]


@pytest.mark.parametrize("update", [{}, {"name": "Boot"}, {"name": "  Boot "}, {"brand": "", "description": ""}])
def test_details_update_that_changes_nothing_records_nothing(update):
    product = given(Product, PRODUCT_ID, product_created(name="Boot"))

    product.update_details(**update)

    assert product.collect_events() == []


def test_details_update_refuses_a_name_longer_than_200_characters():
    with pytest.raises(InvalidValue, match="name"):
        given(Product, PRODUCT_ID, product_created()).update_details(name="x" * 201)


# attributes


def test_attribute_change_records_only_new_or_different_values_and_existing_removals():
    product = given(Product, PRODUCT_ID, product_created(attributes={"color": "red", "size": 42, "old": 1}))

    product.change_attributes({"color": "red", "size": 43, "fit": "wide"}, remove=["old", "never-there"])

    assert product.collect_events() == [ProductAttributesChanged(set={"size": 43, "fit": "wide"}, removed=("old",))]
    assert product.attributes == {"color": "red", "size": 43, "fit": "wide"}


def test_attribute_keys_to_remove_are_trimmed_like_the_keys_that_are_set():
    product = given(Product, PRODUCT_ID, product_created(attributes={"color": "red", "size": 42}))

    product.change_attributes({}, remove=["  color ", "color", "size\t"])

    assert product.collect_events() == [ProductAttributesChanged(set={}, removed=("color", "size"))]
    assert product.attributes == {}


def test_setting_an_attribute_to_the_value_it_has_records_nothing():
    product = given(Product, PRODUCT_ID, product_created(attributes={"color": "red"}))

    product.change_attributes({"color": "red"}, remove=["size"])

    assert product.collect_events() == []


def test_an_attribute_changing_type_but_not_value_is_a_change():
    product = given(Product, PRODUCT_ID, product_created(attributes={"waterproof": 1}))

    product.change_attributes({"waterproof": True})

    assert product.collect_events() == [ProductAttributesChanged(set={"waterproof": True}, removed=())]


# categories


def test_adding_a_category_records_it_once_in_canonical_form():
    product = given(Product, PRODUCT_ID, product_created(categoryIds=()))

    product.add_to_category(CATEGORY_ID.upper())
    product.add_to_category(CATEGORY_ID)

    assert product.collect_events() == [ProductAddedToCategory(categoryId=CATEGORY_ID)]


def test_adding_a_category_that_is_not_a_uuid_is_refused():
    with pytest.raises(InvalidValue, match="categoryId"):
        given(Product, PRODUCT_ID, product_created()).add_to_category("shoes")


def test_removing_a_category_the_product_is_not_in_records_nothing():
    product = given(Product, PRODUCT_ID, product_created(categoryIds=(CATEGORY_ID,)))

    product.remove_from_category(OTHER_CATEGORY_ID)

    assert product.collect_events() == []


def test_an_active_product_cannot_lose_its_last_category():
    product = given(Product, PRODUCT_ID, product_created(categoryIds=(CATEGORY_ID,)), ProductActivated())

    with pytest.raises(RuleViolation, match="at least one category"):
        product.remove_from_category(CATEGORY_ID)
    assert product.category_ids == {CATEGORY_ID}


def test_an_active_product_can_leave_one_of_several_categories():
    product = given(Product, PRODUCT_ID, product_created(categoryIds=(CATEGORY_ID, OTHER_CATEGORY_ID)),
                    ProductActivated())

    product.remove_from_category(CATEGORY_ID)

    assert product.collect_events() == [ProductRemovedFromCategory(categoryId=CATEGORY_ID)]


@pytest.mark.parametrize("status_events", [(), (ProductActivated(), ProductDeactivated())], ids=["draft", "inactive"])
def test_a_product_that_is_not_active_can_lose_its_last_category(status_events):
    product = given(Product, PRODUCT_ID, product_created(categoryIds=(CATEGORY_ID,)), *status_events)

    product.remove_from_category(CATEGORY_ID)

    assert product.collect_events() == [ProductRemovedFromCategory(categoryId=CATEGORY_ID)]
    assert product.category_ids == set()


def test_removing_a_category_given_in_upper_case_removes_it():
    product = given(Product, PRODUCT_ID, product_created(categoryIds=(CATEGORY_ID, OTHER_CATEGORY_ID)))

    product.remove_from_category(CATEGORY_ID.upper())

    assert product.collect_events() == [ProductRemovedFromCategory(categoryId=CATEGORY_ID)]
    assert product.category_ids == {OTHER_CATEGORY_ID}


def test_an_active_product_cannot_lose_its_last_category_named_in_upper_case():
    product = given(Product, PRODUCT_ID, product_created(categoryIds=(CATEGORY_ID,)), ProductActivated())

    with pytest.raises(RuleViolation, match="at least one category"):
        product.remove_from_category(CATEGORY_ID.upper())
    assert product.collect_events() == []


def test_removing_a_category_that_is_not_a_uuid_is_refused():
    product = given(Product, PRODUCT_ID, product_created())

    with pytest.raises(InvalidValue) as refused:
        product.remove_from_category("shoes")
    assert refused.value.field == "categoryId"
    assert product.category_ids == {CATEGORY_ID}


def test_an_attribute_text_longer_than_a_thousand_characters_is_refused():
    product = given(Product, PRODUCT_ID, product_created())

    with pytest.raises(InvalidValue, match="at most 1000"):
        product.change_attributes({"notes": "x" * 1001})
