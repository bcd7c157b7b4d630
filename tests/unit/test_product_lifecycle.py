"""Product lifecycle: draft → active ⇄ inactive → discontinued, deletion, import, snapshots."""

import pytest

from domain.category import category_key
from domain.errors import EntityDeleted, InvalidValue, RuleViolation
from domain.events import (
    ProductActivated,
    ProductAttributesChanged,
    ProductDeactivated,
    ProductDeleted,
    ProductDetailsUpdated,
    ProductDiscontinued,
    ProductImported,
)
from domain.product import Product
from tests.unit.given import CATEGORY_ID, OTHER_CATEGORY_ID, PRODUCT_ID, given, product_created

ACTIVE = (product_created(), ProductActivated())
INACTIVE = (*ACTIVE, ProductDeactivated())
DISCONTINUED = (*ACTIVE, ProductDiscontinued())
DELETED = (product_created(), ProductDeleted())

EVERY_COMMAND = {
    "update_details": lambda product: product.update_details(name="New name"),
    "change_attributes": lambda product: product.change_attributes({"color": "red"}),
    "add_to_category": lambda product: product.add_to_category(OTHER_CATEGORY_ID),
    "remove_from_category": lambda product: product.remove_from_category(CATEGORY_ID),
    "activate": lambda product: product.activate(has_current_price=True),
    "deactivate": lambda product: product.deactivate(),
    "discontinue": lambda product: product.discontinue(),
    "delete": lambda product: product.delete(),
}


def product_after(*events) -> Product:
    return given(Product, PRODUCT_ID, *events)


# activation


def test_activation_of_a_complete_draft_records_product_activated():
    product = product_after(product_created())

    product.activate(has_current_price=True)

    assert product.collect_events() == [ProductActivated()]
    assert product.status == "active"


def test_activation_needs_a_current_price():
    product = product_after(product_created())

    with pytest.raises(RuleViolation, match="current price"):
        product.activate(has_current_price=False)
    assert product.status == "draft"


def test_activation_needs_at_least_one_category():
    with pytest.raises(RuleViolation, match="at least one category"):
        product_after(product_created(categoryIds=())).activate(has_current_price=True)


def test_activation_needs_a_name():
    with pytest.raises(RuleViolation, match="name"):
        product_after(product_created(name="")).activate(has_current_price=True)


def test_activating_an_active_product_records_nothing():
    product = product_after(*ACTIVE)

    product.activate(has_current_price=False)

    assert product.collect_events() == []


def test_an_inactive_product_can_be_activated_again():
    product = product_after(*INACTIVE)

    product.activate(has_current_price=True)

    assert product.collect_events() == [ProductActivated()]


# deactivation and discontinuation


def test_deactivation_of_an_active_product_records_product_deactivated():
    product = product_after(*ACTIVE)

    product.deactivate()

    assert product.collect_events() == [ProductDeactivated()]
    assert product.status == "inactive"


def test_a_draft_cannot_be_deactivated():
    with pytest.raises(RuleViolation, match="only an active product"):
        product_after(product_created()).deactivate()


def test_deactivating_an_inactive_product_records_nothing():
    product = product_after(*INACTIVE)

    product.deactivate()

    assert product.collect_events() == []


@pytest.mark.parametrize("history", [ACTIVE, INACTIVE], ids=["active", "inactive"])
def test_an_active_or_inactive_product_can_be_discontinued(history):
    product = product_after(*history)

    product.discontinue()

    assert product.collect_events() == [ProductDiscontinued()]
    assert product.status == "discontinued"


def test_a_draft_cannot_be_discontinued():
    with pytest.raises(RuleViolation, match="only an active or inactive product"):
        product_after(product_created()).discontinue()


def test_discontinuing_a_discontinued_product_records_nothing():
    product = product_after(*DISCONTINUED)

    product.discontinue()

    assert product.collect_events() == []


@pytest.mark.parametrize("command", [name for name in EVERY_COMMAND if name not in ("delete", "discontinue")])
def test_a_discontinued_product_refuses_every_change_but_deletion(command):
    product = product_after(*DISCONTINUED)

    with pytest.raises(RuleViolation, match="discontinued") as refused:
        EVERY_COMMAND[command](product)
    assert not isinstance(refused.value, EntityDeleted)
    assert product.collect_events() == []


def test_a_discontinued_product_can_be_deleted():
    product = product_after(*DISCONTINUED)

    product.delete()

    assert product.collect_events() == [ProductDeleted()]
    assert product.deleted


# deletion


@pytest.mark.parametrize("history", [(product_created(),), ACTIVE, INACTIVE], ids=["draft", "active", "inactive"])
def test_a_product_can_be_deleted_from_any_open_status(history):
    product = product_after(*history)

    product.delete()

    assert product.collect_events() == [ProductDeleted()]


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_a_deleted_product_accepts_nothing(command):
    product = product_after(*DELETED)

    with pytest.raises(EntityDeleted):
        EVERY_COMMAND[command](product)
    assert product.collect_events() == []


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_a_product_that_never_existed_accepts_no_command_but_creation(command):
    with pytest.raises(RuleViolation, match="does not exist") as refused:
        EVERY_COMMAND[command](product_after())
    assert not isinstance(refused.value, EntityDeleted)


def test_a_live_product_holds_its_sku_and_refers_to_its_categories():
    product = product_after(product_created(sku="BOOT-1", categoryIds=(CATEGORY_ID,)))

    assert product.unique_keys() == {"sku:BOOT-1"}
    assert product.referenced_keys() == {category_key(CATEGORY_ID)}


def test_a_deleted_product_releases_its_sku_and_categories():
    product = product_after(*DELETED)

    assert (product.unique_keys(), product.referenced_keys()) == (set(), set())


# import and snapshots


def test_import_records_the_legacy_product_in_the_status_it_had():
    product = product_after()

    product.import_legacy("old-7", "Boot", "", "Acme", {"size": 42}, [CATEGORY_ID], "inactive", "csv", "L-7")

    assert product.collect_events() == [ProductImported(
        sku="OLD-7", name="Boot", description="", brand="Acme", attributes={"size": 42},
        categoryIds=(CATEGORY_ID,), status="inactive", source="csv", legacyId="L-7")]
    assert product.status == "inactive"


def test_import_of_an_active_product_needs_at_least_one_category():
    product = product_after()

    with pytest.raises(RuleViolation, match="at least one category"):
        product.import_legacy("OLD-7", "Boot", "", "", {}, [], "active", "csv", "L-7")
    assert (product.collect_events(), product.exists) == ([], False)


def test_import_of_an_active_product_with_a_category_records_it_active():
    product = product_after()

    product.import_legacy("OLD-7", "Boot", "", "", {}, [CATEGORY_ID.upper()], "active", "csv", "L-7")

    [imported] = product.collect_events()
    assert (imported.status, imported.categoryIds, product.status) == ("active", (CATEGORY_ID,), "active")


@pytest.mark.parametrize("status", ["draft", "inactive", "discontinued"])
def test_import_of_a_product_that_is_not_active_needs_no_category(status):
    product = product_after()

    product.import_legacy("OLD-7", "Boot", "", "", {}, [], status, "csv", "L-7")

    assert (product.status, product.category_ids) == (status, set())


def test_import_refuses_an_unknown_status():
    with pytest.raises(InvalidValue, match="status"):
        product_after().import_legacy("OLD-7", "Boot", "", "", {}, [], "archived", "csv", "L-7")


def test_a_product_cannot_be_imported_over_an_existing_one():
    with pytest.raises(RuleViolation, match="already exists"):
        product_after(product_created()).import_legacy("OLD-7", "Boot", "", "", {}, [CATEGORY_ID], "draft", "csv",
                                                       "L-7")


def test_snapshot_round_trip_gives_back_the_same_product():
    product = product_after(product_created(attributes={"size": 42, "waterproof": True},
                                            categoryIds=(CATEGORY_ID, OTHER_CATEGORY_ID)),
                            ProductDetailsUpdated(brand="Acme"), ProductAttributesChanged(set={"fit": 1.5}, removed=()),
                            *ACTIVE[1:], ProductDiscontinued())

    restored = Product.from_snapshot(PRODUCT_ID, product.version, product.snapshot_state())

    assert vars(restored) == vars(product)
    assert (restored.version, restored.status, restored.brand) == (5, "discontinued", "Acme")
