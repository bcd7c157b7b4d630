"""Commands through the MessageBus on memory stores: uniqueness, references, concurrency, import."""

from dataclasses import replace
from decimal import Decimal

import pytest

from application import messagebus
from application.errors import (
    AlreadyExists,
    ConcurrencyError,
    DuplicateCommand,
    MissingReference,
    NotFound,
    UniquenessViolation,
)
from application.handlers import HANDLERS, STREAMS, stream_of
from application.unit_of_work import UnitOfWork
from domain.category import Category, category_key
from domain.commands import (
    ActivateProduct,
    AddProductToCategory,
    CreateCategory,
    CreateProduct,
    DeleteCategory,
    DeleteProduct,
    DiscontinueProduct,
    ImportProduct,
    MoveCategory,
    RemoveProductFromCategory,
    RenameCategory,
    SetPrice,
    UpdateProductDetails,
)
from domain.errors import EntityDeleted, InvalidValue, RuleViolation
from domain.pricing import Pricing, pricing_id
from domain.product import Product
from tests.unit.catalog import BOOT, CONTEXT, SHOES, Catalog, CountingIds, FakeClock
from tests.unit.given import (
    CATEGORY_ID,
    DAY,
    NOW,
    OTHER_CATEGORY_ID,
    PRODUCT_ID,
    SECOND_PRODUCT_ID,
    THIRD_CATEGORY_ID,
)

# uniqueness and references


def test_a_sku_is_unique_across_products_whatever_its_case(boot):
    with pytest.raises(UniquenessViolation) as refused:
        boot.handle(CreateProduct(SECOND_PRODUCT_ID, " BOOT-1 ", "Other boot"))

    assert (refused.value.key, refused.value.owner) == ("sku:BOOT-1", PRODUCT_ID)
    assert boot.stream(SECOND_PRODUCT_ID) == []


def test_a_deleted_products_sku_is_free_for_another_product(boot):
    boot.handle(DeleteProduct(PRODUCT_ID), CreateProduct(SECOND_PRODUCT_ID, "boot-1", "New boot"))

    assert boot.store.owner_of("sku:BOOT-1") == SECOND_PRODUCT_ID


def test_a_category_slug_is_unique(catalog):
    catalog.handle(SHOES)

    with pytest.raises(UniquenessViolation, match="slug:shoes"):
        catalog.handle(CreateCategory(OTHER_CATEGORY_ID, "Shoes!"))


def test_a_product_in_an_unknown_category_is_refused_and_nothing_is_written(catalog):
    with pytest.raises(MissingReference) as refused:
        catalog.handle(BOOT)

    assert refused.value.key == category_key(CATEGORY_ID)
    assert (catalog.stream(PRODUCT_ID), catalog.store.owner_of("sku:BOOT-1")) == ([], None)


def test_a_product_cannot_be_added_to_an_unknown_category(boot):
    with pytest.raises(MissingReference, match=OTHER_CATEGORY_ID):
        boot.handle(AddProductToCategory(PRODUCT_ID, OTHER_CATEGORY_ID))
    assert boot.load(Product, PRODUCT_ID).category_ids == {CATEGORY_ID}


def test_a_child_category_needs_a_live_parent(catalog):
    with pytest.raises(MissingReference):
        catalog.handle(CreateCategory(OTHER_CATEGORY_ID, "Boots", parent_id=CATEGORY_ID))
    assert catalog.stream(OTHER_CATEGORY_ID) == []


def test_a_category_holding_a_product_cannot_be_deleted_until_the_product_is_gone(boot):
    with pytest.raises(RuleViolation, match="1 products"):
        boot.handle(DeleteCategory(CATEGORY_ID))

    boot.handle(DeleteProduct(PRODUCT_ID), DeleteCategory(CATEGORY_ID))

    assert boot.event_types(CATEGORY_ID) == ["CategoryCreated", "CategoryDeleted"]


def test_a_category_can_be_deleted_once_its_products_left_it(boot):
    boot.handle(RemoveProductFromCategory(PRODUCT_ID, CATEGORY_ID), DeleteCategory(CATEGORY_ID))

    assert boot.store.owner_of(category_key(CATEGORY_ID)) is None


def test_a_category_with_a_child_cannot_be_deleted(catalog):
    catalog.handle(SHOES, CreateCategory(OTHER_CATEGORY_ID, "Boots", parent_id=CATEGORY_ID))

    with pytest.raises(RuleViolation, match="1 child categories"):
        catalog.handle(DeleteCategory(CATEGORY_ID))


def test_a_category_cannot_be_moved_under_its_own_grandchild(catalog):
    catalog.handle(SHOES, CreateCategory(OTHER_CATEGORY_ID, "Boots", parent_id=CATEGORY_ID),
                   CreateCategory(THIRD_CATEGORY_ID, "Hiking boots", parent_id=OTHER_CATEGORY_ID))

    with pytest.raises(RuleViolation, match="cycle"):
        catalog.handle(MoveCategory(CATEGORY_ID, THIRD_CATEGORY_ID))
    assert catalog.event_types(CATEGORY_ID) == ["CategoryCreated"]


def test_a_product_can_be_added_to_a_category_named_by_an_upper_case_uuid(boot):
    boot.handle(CreateCategory(OTHER_CATEGORY_ID, "Boots"),
                AddProductToCategory(PRODUCT_ID, OTHER_CATEGORY_ID.upper()))

    assert boot.load(Product, PRODUCT_ID).category_ids == {CATEGORY_ID, OTHER_CATEGORY_ID}
    assert boot.store.references_to(category_key(OTHER_CATEGORY_ID)) == [f"product:{PRODUCT_ID}"]


def test_a_category_created_with_an_upper_case_uuid_can_hold_products(catalog):
    catalog.handle(CreateCategory(CATEGORY_ID.upper(), "Shoes"), BOOT)

    assert catalog.load(Product, PRODUCT_ID).category_ids == {CATEGORY_ID}
    assert list(catalog.store.stream_ids()) == [CATEGORY_ID, PRODUCT_ID]
    assert catalog.store.owner_of(category_key(CATEGORY_ID)) == CATEGORY_ID


def test_commands_name_an_entity_by_any_spelling_of_its_uuid(boot):
    boot.handle(UpdateProductDetails(PRODUCT_ID.upper(), name="Hiking boot"),
                RenameCategory(f"{{{CATEGORY_ID.upper()}}}", "Footwear"))

    assert boot.load(Product, PRODUCT_ID).name == "Hiking boot"
    assert boot.load(Category, CATEGORY_ID).name == "Footwear"
    assert list(boot.store.stream_ids()) == [CATEGORY_ID, PRODUCT_ID]


def test_a_category_named_in_upper_case_as_its_own_parent_is_refused(catalog):
    with pytest.raises(RuleViolation, match="own parent"):
        catalog.handle(CreateCategory(CATEGORY_ID.upper(), "Shoes", parent_id=CATEGORY_ID))
    assert catalog.stream(CATEGORY_ID) == []


@pytest.mark.parametrize("command", [
    CreateProduct("boot-1", "BOOT-1", "Boot"), CreateCategory("shoes", "Shoes"),
    UpdateProductDetails("boot-1", name="Boot"), SetPrice("boot-1", "19.99", "EUR"),
], ids=["CreateProduct", "CreateCategory", "UpdateProductDetails", "SetPrice"])
def test_a_command_naming_an_entity_by_something_other_than_a_uuid_is_refused(boot, command):
    feed_before = boot.store.read_feed(0, 0)

    with pytest.raises(InvalidValue, match="is not a UUID"):
        boot.handle(command)
    assert boot.store.read_feed(0, 0) == feed_before


def test_a_price_set_with_an_upper_case_product_id_is_the_products_price(boot):
    boot.handle(SetPrice(PRODUCT_ID.upper(), "19.99", "EUR"))

    assert boot.event_types(pricing_id(PRODUCT_ID)) == ["PriceSet"]
    assert boot.handle(ActivateProduct(PRODUCT_ID)).events[0].event_type == "ProductActivated"


# creation of an id that is taken


def attempts_of(catalog: Catalog) -> list[object]:
    """Records each unit of work the bus starts: one per attempt at a command."""
    started: list[object] = []
    factory = catalog.bus.uow_factory
    catalog.bus.uow_factory = lambda context: started.append(context) or factory(context)
    return started


@pytest.mark.parametrize("command", [
    CreateProduct(PRODUCT_ID, "boot-2", "Other boot"),
    CreateProduct(PRODUCT_ID.upper(), "boot-2", "Other boot"),
    ImportProduct(PRODUCT_ID, "old-7", "Legacy boot", "", "", {}, (), "draft", "csv", "L-7", (("9.99", "EUR"),)),
], ids=["create", "create upper-case", "import"])
def test_creating_a_product_with_an_id_that_exists_is_refused_at_once_and_writes_nothing(boot, command):
    started, feed_before = attempts_of(boot), boot.store.read_feed(0, 0)

    with pytest.raises(AlreadyExists, match=PRODUCT_ID):
        boot.handle(command)

    assert len(started) == 1
    assert boot.store.read_feed(0, 0) == feed_before
    assert (boot.store.owner_of("sku:BOOT-2"), boot.store.owner_of("sku:OLD-7")) == (None, None)
    assert boot.load(Product, PRODUCT_ID).name == "Boot"


def test_a_deleted_products_id_cannot_be_used_again(boot):
    boot.handle(DeleteProduct(PRODUCT_ID))

    with pytest.raises(AlreadyExists):
        boot.handle(BOOT)
    assert boot.event_types(PRODUCT_ID) == ["ProductCreated", "ProductDeleted"]
    assert boot.store.owner_of("sku:BOOT-1") is None


def test_creating_a_category_with_an_id_that_exists_is_refused_and_writes_nothing(catalog):
    catalog.handle(SHOES)

    with pytest.raises(AlreadyExists, match=CATEGORY_ID):
        catalog.handle(CreateCategory(CATEGORY_ID, "Boots"))
    assert catalog.event_types(CATEGORY_ID) == ["CategoryCreated"]
    assert catalog.store.owner_of("slug:boots") is None
# concurrency and no-ops


def test_an_expected_version_that_no_longer_holds_is_a_concurrency_error(boot):
    with pytest.raises(ConcurrencyError):
        boot.handle(UpdateProductDetails(PRODUCT_ID, name="Stale", expected_version=0))
    assert boot.load(Product, PRODUCT_ID).name == "Boot"

    assert boot.handle(UpdateProductDetails(PRODUCT_ID, name="Fresh", expected_version=1)).version == 2


class RacedUnitOfWork(UnitOfWork):
    """While `races` is above 0, each commit meets a rename another writer committed just
    before it (and counts one down)."""

    races = 0

    def commit(self):
        if RacedUnitOfWork.races > 0:
            RacedUnitOfWork.races -= 1
            rival = UnitOfWork(self.repository, FakeClock(), CountingIds(), self.context, snapshot_every=0)
            rival.get_existing(Product, PRODUCT_ID).update_details(name=f"Rival {RacedUnitOfWork.races}")
            rival.commit()
        return super().commit()


def test_a_command_without_an_expected_version_that_loses_a_race_is_retried_on_the_new_state(monkeypatch):
    catalog = Catalog(unit_of_work=RacedUnitOfWork)
    catalog.handle(SHOES, BOOT)
    monkeypatch.setattr(RacedUnitOfWork, "races", 1)
    started = attempts_of(catalog)

    result = catalog.handle(UpdateProductDetails(PRODUCT_ID, brand="Acme"))

    assert len(started) == 2
    assert (result.version, catalog.event_types(PRODUCT_ID)) == (
        3, ["ProductCreated", "ProductDetailsUpdated", "ProductDetailsUpdated"])
    assert (catalog.load(Product, PRODUCT_ID).name, catalog.load(Product, PRODUCT_ID).brand) == ("Rival 0", "Acme")


def test_a_command_that_keeps_losing_races_is_decided_again_while_its_patience_lasts(monkeypatch):
    """Another process's steady stream of writes to the entity can beat a command more times
    than CONFLICT_RETRIES; within CONFLICT_PATIENCE_S it still goes through."""
    catalog = Catalog(unit_of_work=RacedUnitOfWork)
    catalog.handle(SHOES, BOOT)
    monkeypatch.setattr(messagebus, "BACKOFF_CAP_S", 0.001)
    monkeypatch.setattr(RacedUnitOfWork, "races", messagebus.CONFLICT_RETRIES + 8)
    started = attempts_of(catalog)

    result = catalog.handle(UpdateProductDetails(PRODUCT_ID, brand="Acme"))

    assert len(started) == messagebus.CONFLICT_RETRIES + 9
    assert (result.version, catalog.load(Product, PRODUCT_ID).brand) == (messagebus.CONFLICT_RETRIES + 10, "Acme")


def test_a_command_that_loses_races_for_longer_than_its_patience_is_a_conflict(monkeypatch):
    catalog = Catalog(unit_of_work=RacedUnitOfWork)
    catalog.handle(SHOES, BOOT)
    monkeypatch.setattr(messagebus, "BACKOFF_CAP_S", 0.001)
    monkeypatch.setattr(messagebus, "CONFLICT_PATIENCE_S", 0.05)
    monkeypatch.setattr(RacedUnitOfWork, "races", 10_000)
    started = attempts_of(catalog)

    with pytest.raises(ConcurrencyError):
        catalog.handle(UpdateProductDetails(PRODUCT_ID, brand="Acme"))

    assert messagebus.CONFLICT_RETRIES + 1 <= len(started) < 10_000
    assert catalog.load(Product, PRODUCT_ID).brand == ""


def test_a_keyed_command_carried_out_already_is_not_carried_out_again_when_decided_anew(boot):
    """The same command, key and name, decided again on a state where it changes something
    again (a delivery that raced its twin and lost, a retry of a request whose answer was
    lost): its key is taken, though the first commit claimed it under the same name."""
    keyed = replace(CONTEXT, idempotency_key="price-once")
    boot.handle(SetPrice(PRODUCT_ID, "2.50", "EUR"), context=keyed)
    boot.handle(SetPrice(PRODUCT_ID, "3.00", "EUR"))

    with pytest.raises(DuplicateCommand):
        boot.handle(SetPrice(PRODUCT_ID, "2.50", "EUR"), context=keyed)

    assert [event.data["amount"] for event in boot.stream(pricing_id(PRODUCT_ID))] == ["2.50", "3.00"]


@pytest.mark.parametrize("command", [
    UpdateProductDetails(PRODUCT_ID, name="Boot"), AddProductToCategory(PRODUCT_ID, CATEGORY_ID),
    RemoveProductFromCategory(PRODUCT_ID, OTHER_CATEGORY_ID), SetPrice(PRODUCT_ID, "19.990", "EUR"),
], ids=["same name", "same category", "absent category", "same price"])
def test_a_command_that_changes_nothing_appends_nothing(boot, command):
    boot.handle(SetPrice(PRODUCT_ID, "19.99", "EUR"))
    feed_before = boot.store.read_feed(0, 0)

    result = boot.handle(command)

    assert result.events == []
    assert boot.store.read_feed(0, 0) == feed_before


# prices through the bus


def test_activation_needs_a_price_in_effect_now_not_only_a_scheduled_one(boot):
    boot.handle(SetPrice(PRODUCT_ID, "19.99", "EUR", effective_from=NOW + DAY))

    with pytest.raises(RuleViolation, match="current price"):
        boot.handle(ActivateProduct(PRODUCT_ID))
    boot.clock.advance(days=1)

    assert boot.handle(ActivateProduct(PRODUCT_ID)).events[0].event_type == "ProductActivated"


def test_prices_belong_to_a_product_that_exists_and_is_open(boot):
    with pytest.raises(NotFound):
        boot.handle(SetPrice(SECOND_PRODUCT_ID, "1.00", "EUR"))
    boot.handle(SetPrice(PRODUCT_ID, "19.99", "EUR"), ActivateProduct(PRODUCT_ID), DiscontinueProduct(PRODUCT_ID))
    with pytest.raises(RuleViolation, match="discontinued"):
        boot.handle(SetPrice(PRODUCT_ID, "9.99", "EUR"))
    boot.handle(DeleteProduct(PRODUCT_ID))
    with pytest.raises(EntityDeleted):
        boot.handle(SetPrice(PRODUCT_ID, "9.99", "EUR"))

    assert boot.event_types(pricing_id(PRODUCT_ID)) == ["PriceSet"]


# import


def legacy_boot(sku: str = "old-7", prices: tuple[tuple[str, str], ...] = (("19.99", "EUR"), ("2500", "JPY"))):
    return ImportProduct(SECOND_PRODUCT_ID, sku, "Legacy boot", "", "Acme", {"size": 42}, (CATEGORY_ID,),
                         "active", "csv", "L-7", prices)


def test_import_writes_the_product_and_its_prices_in_one_commit(boot):
    result = boot.handle(legacy_boot())

    assert [(event.entity_id, event.event_type) for event in result.events] == [
        (SECOND_PRODUCT_ID, "ProductImported"),
        (pricing_id(SECOND_PRODUCT_ID), "PriceSet"), (pricing_id(SECOND_PRODUCT_ID), "PriceSet")]
    assert [event.position for event in result.events] == [3, 4, 5]
    assert boot.load(Pricing, pricing_id(SECOND_PRODUCT_ID)).base_price("JPY", NOW) == Decimal("2500")
    assert boot.load(Product, SECOND_PRODUCT_ID).status == "active"


@pytest.mark.parametrize(("command", "error"), [
    (legacy_boot(sku="BOOT-1"), UniquenessViolation), (legacy_boot(prices=(("19.999", "EUR"),)), InvalidValue),
    (legacy_boot(prices=()), RuleViolation), (replace(legacy_boot(), category_ids=()), RuleViolation),
    (replace(legacy_boot(), category_ids=(OTHER_CATEGORY_ID,)), MissingReference),
], ids=["sku taken", "bad price", "active without a price", "active without a category", "unknown category"])
def test_an_import_that_fails_writes_neither_the_product_nor_its_prices(boot, command, error):
    with pytest.raises(error):
        boot.handle(command)

    assert boot.stream(SECOND_PRODUCT_ID) == boot.stream(pricing_id(SECOND_PRODUCT_ID)) == []
    assert boot.store.owner_of("sku:OLD-7") is None


@pytest.mark.parametrize("status", ["draft", "inactive"])
def test_a_product_that_is_not_active_can_be_imported_without_prices(boot, status):
    result = boot.handle(replace(legacy_boot(prices=()), status=status))

    assert [(event.entity_id, event.event_type) for event in result.events] == [(SECOND_PRODUCT_ID, "ProductImported")]
    assert boot.stream(pricing_id(SECOND_PRODUCT_ID)) == []


def test_an_active_product_is_imported_only_with_a_category_and_a_price(boot):
    with pytest.raises(RuleViolation, match="an active product needs a price"):
        boot.handle(legacy_boot(prices=()))
    with pytest.raises(RuleViolation, match="an active product needs at least one category"):
        boot.handle(replace(legacy_boot(), category_ids=()))


# the stream a command appends to


def test_every_command_names_the_stream_it_appends_to(boot):
    assert set(STREAMS) == set(HANDLERS)
    for command in (UpdateProductDetails(PRODUCT_ID, name="Renamed"), SetPrice(PRODUCT_ID, "9.99", "EUR"),
                    RenameCategory(CATEGORY_ID, "Footwear")):
        assert stream_of(command) == boot.handle(command).entity_id
