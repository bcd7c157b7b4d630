"""What a user sees in the read models after commands: the contract every database passes.

The catalog is driven as in production, through the container's MessageBus, whose listener
projects each command's events right after the commit. `ReadModelsBackend` subclasses name
the database; the classes here have no `Test` prefix and are collected only through them.
"""

import abc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from adapters.read_models import SqlReadModels
from application.envelope import StoredEvent
from application.mapper import EventMapper
from application.ports import Clock
from application.projections import Projector
from application.read_models import ProductFilter, ReadModels
from application.unit_of_work import CommandContext
from domain import commands
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import Settings

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
CONTEXT = CommandContext(user_id="alice", correlation_id="request-1", causation_id="command-1")


class SteppingClock(Clock):
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = NOW) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment


class Shop:
    """The catalog as its users drive it: commands through the real bus, queries on the views."""

    def __init__(self, settings: Settings, schema: str | None = None) -> None:
        self.clock = SteppingClock()
        self.data_dir = Path(settings.data_dir)
        self.container: Container = build_container(settings)
        self.container.clock.override(providers.Object(self.clock))
        if schema is not None:
            self.container.read_models.override(providers.Singleton(
                SqlReadModels, self.container.read_model_engine, self.container.mapper, schema=schema))
        init_stores(self.container)
        self.bus = self.container.message_bus()
        self.read_models: SqlReadModels = self.container.read_models()
        self.projector: Projector = self.container.projector()

    def do(self, *commands_: commands.Command) -> None:
        for command in commands_:
            self.bus.handle(command, CONTEXT)

    def category(self, name: str, parent: str | None = None) -> str:
        category_id = str(uuid.uuid4())
        self.do(commands.CreateCategory(category_id, name, parent_id=parent))
        return category_id

    def product(self, name: str, *categories: str, sku: str | None = None, **details: Any) -> str:
        product_id = str(uuid.uuid4())
        self.do(commands.CreateProduct(product_id, sku or f"SKU-{product_id[:8]}", name,
                                       category_ids=categories, **details))
        return product_id

    def price(self, product_id: str, amount: str, currency: str = "EUR",
              effective_from: datetime | None = None) -> None:
        self.do(commands.SetPrice(product_id, amount, currency, effective_from))

    def discount(self, product_id: str, kind: str, value: str, currency: str | None = None,
                 valid_from: datetime | None = None, valid_until: datetime | None = None) -> str:
        discount_id = str(uuid.uuid4())
        self.do(commands.AddDiscount(product_id, discount_id, kind, value, currency, valid_from, valid_until))
        return discount_id

    def view(self, product_id: str, at: datetime | None = None) -> dict[str, Any] | None:
        return self.read_models.product(product_id, at or self.clock.now())

    def prices(self, product_id: str, at: datetime | None = None) -> dict[str, Any]:
        view = self.view(product_id, at)
        assert view is not None
        return dict(view["prices"])

    def listed(self, limit: int = 100, **where: Any) -> list[str]:
        """The names of every product the filter matches, page after page."""
        return [item["name"] for item in self.pages(self.read_models, ProductFilter(**where), limit)]

    def pages(self, read_models: ReadModels, where: ProductFilter, limit: int) -> list[dict[str, Any]]:
        """Every item of every page, following the cursors (a cursor seen twice fails the test)."""
        items: list[dict[str, Any]] = []
        cursor, seen = None, set()
        while True:
            page = read_models.products(where, cursor, limit, self.clock.now())
            assert len(page.items) <= limit
            items += page.items
            if page.next_cursor is None:
                return items
            assert page.next_cursor not in seen, "the cursor leads back to a page already shown"
            cursor = page.next_cursor
            seen.add(cursor)

    def feed(self) -> list[StoredEvent]:
        return self.container.event_store().read_feed(0, 0, 100_000)

    def everything(self, read_models: ReadModels | None = None) -> dict[str, Any]:
        """Every view a user can see, to compare two read models."""
        views = read_models or self.read_models
        listed = self.pages(views, ProductFilter(), limit=7)
        ids = [event.entity_id for event in self.feed() if event.event_type == "ProductCreated"]
        return {"products": [views.product(product_id, self.clock.now()) for product_id in ids],
                "listed": listed, "tree": views.category_tree(),
                "categories": [views.category(event.entity_id) for event in self.feed()
                               if event.event_type == "CategoryCreated"],
                "history": [views.price_history(product_id) for product_id in ids]}


class ReadModelsBackend(abc.ABC):
    """The database the read models run on: subclasses say how to reach it and clean it up."""

    @abc.abstractmethod
    def settings(self, tmp_path: Path) -> Settings:
        """Settings for a fresh catalog: an SQLite event store in tmp_path and this read model URL."""

    @abc.abstractmethod
    def spare(self, shop: Shop, mapper: EventMapper | None = None) -> SqlReadModels:
        """Another, empty read model (tables created) in the same kind of database."""

    def schema(self) -> str | None:
        """The database schema the shop's read models live in (None: the default one)."""
        return None

    def cleanup(self, shop: Shop) -> None:
        shop.read_models.engine.dispose()

    @pytest.fixture
    def shop(self, tmp_path: Path) -> Iterator[Shop]:
        shop = Shop(self.settings(tmp_path), self.schema())
        yield shop
        self.cleanup(shop)


class CatalogViewsContract(ReadModelsBackend, abc.ABC):
    # the product catalog

    def test_a_new_product_shows_what_was_given(self, shop: Shop) -> None:
        shoes = shop.category("Shoes")
        boot = shop.product("Boot", shoes, sku="boot-1", brand="Acme", description="Waterproof",
                            attributes={"colour": "red", "size": 42, "vegan": False})
        assert shop.view(boot) == {
            "id": boot, "sku": "BOOT-1", "name": "Boot", "description": "Waterproof", "brand": "Acme",
            "attributes": {"colour": "red", "size": 42, "vegan": False}, "categoryIds": [shoes],
            "status": "draft", "version": 1, "createdAt": "2026-03-02T09:30:00.000Z",
            "updatedAt": "2026-03-02T09:30:00.000Z", "prices": {}}

    def test_changes_show_with_the_products_version(self, shop: Shop) -> None:
        shoes, boots = shop.category("Shoes"), shop.category("Boots")
        boot = shop.product("Boot", shoes, brand="Acme", attributes={"colour": "red", "size": 42})
        shop.clock.moment += timedelta(minutes=5)
        shop.do(commands.UpdateProductDetails(boot, name="Hiking boot"),
                commands.ChangeProductAttributes(boot, set={"colour": "brown"}, remove=("size",)),
                commands.AddProductToCategory(boot, boots), commands.RemoveProductFromCategory(boot, shoes))
        view = shop.view(boot)
        assert view is not None
        assert (view["name"], view["brand"], view["attributes"]) == ("Hiking boot", "Acme", {"colour": "brown"})
        assert view["categoryIds"] == [boots]
        assert (view["version"], view["createdAt"], view["updatedAt"]) == (
            5, "2026-03-02T09:30:00.000Z", "2026-03-02T09:35:00.000Z")

    def test_the_status_follows_the_lifecycle(self, shop: Shop) -> None:
        boot = shop.product("Boot", shop.category("Shoes"))
        shop.price(boot, "19.99")
        statuses = []
        for command in (commands.ActivateProduct(boot), commands.DeactivateProduct(boot),
                        commands.DiscontinueProduct(boot)):
            shop.do(command)
            statuses.append(shop.view(boot)["status"])  # type: ignore[index]
        assert statuses == ["active", "inactive", "discontinued"]

    def test_a_deleted_product_disappears_from_every_query(self, shop: Shop) -> None:
        shoes = shop.category("Shoes")
        boot, clog = shop.product("Boot", shoes), shop.product("Clog", shoes)
        shop.price(boot, "19.99")
        shop.do(commands.DeleteProduct(boot))
        assert shop.view(boot) is None
        assert shop.listed() == ["Clog"]
        assert shop.listed(currency="EUR") == []
        assert shop.read_models.category(shoes)["productCount"] == 1  # type: ignore[index]
        assert shop.view(clog) is not None

    # prices

    def test_prices_show_base_and_effective_price_per_currency(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "19.99")
        shop.price(boot, "2500", "JPY")
        discount = shop.discount(boot, "percentage", "10")
        assert shop.prices(boot) == {"EUR": {"base": "19.99", "effective": "17.99", "discountId": discount},
                                     "JPY": {"base": "2500", "effective": "2250", "discountId": discount}}
        shop.price(boot, "24.99")
        assert shop.prices(boot)["EUR"]["base"] == "24.99"
        assert shop.prices(boot)["EUR"]["effective"] == "22.49"

    def test_the_discount_giving_the_lowest_price_wins(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "20.00")
        shop.price(boot, "20.00", "USD")
        shop.discount(boot, "percentage", "10")
        fixed = shop.discount(boot, "fixed", "5.00", "EUR")
        shop.discount(boot, "percentage", "20")
        prices = shop.prices(boot)
        assert (prices["EUR"]["effective"], prices["EUR"]["discountId"]) == ("15.00", fixed)
        assert prices["USD"]["effective"] == "16.00"  # a fixed EUR discount does not apply to USD

    def test_a_discount_never_takes_the_price_below_zero(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "5.00")
        discount = shop.discount(boot, "fixed", "5.00", "EUR")
        shop.price(boot, "3.00")
        assert shop.prices(boot)["EUR"] == {"base": "3.00", "effective": "0.00", "discountId": discount}

    def test_a_scheduled_price_applies_from_its_moment_without_reprojection(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "19.99")
        shop.price(boot, "14.99", effective_from=NOW + 2 * DAY)
        assert shop.prices(boot)["EUR"]["base"] == "19.99"
        assert shop.prices(boot, at=NOW + 2 * DAY - timedelta(milliseconds=1))["EUR"]["base"] == "19.99"
        assert shop.prices(boot, at=NOW + 2 * DAY)["EUR"]["base"] == "14.99"

    def test_an_immediate_change_supersedes_only_earlier_entries(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "19.99")
        shop.price(boot, "14.99", effective_from=NOW + 2 * DAY)
        shop.clock.moment = NOW + DAY
        shop.price(boot, "17.99")
        assert shop.prices(boot)["EUR"]["base"] == "17.99"
        assert shop.prices(boot, at=NOW + 3 * DAY)["EUR"]["base"] == "14.99"

    def test_a_discount_applies_within_its_window_only(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "10.00")
        shop.discount(boot, "percentage", "50", valid_from=NOW + DAY, valid_until=NOW + 2 * DAY)
        effective = [shop.prices(boot, at)["EUR"]["effective"] for at in (NOW, NOW + DAY, NOW + 2 * DAY)]
        assert effective == ["10.00", "5.00", "10.00"]

    def test_a_removed_discount_no_longer_applies(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "10.00")
        discount = shop.discount(boot, "fixed", "1.00", "EUR")
        shop.do(commands.RemoveDiscount(boot, discount))
        assert shop.prices(boot)["EUR"] == {"base": "10.00", "effective": "10.00", "discountId": None}

    # the category tree

    def test_the_tree_nests_children_by_name_with_their_own_product_counts(self, shop: Shop) -> None:
        clothes = shop.category("Clothes")
        shoes, hats = shop.category("Shoes", clothes), shop.category("Hats", clothes)
        garden = shop.category("Garden")
        shop.product("Boot", shoes)
        shop.product("Clog", shoes, clothes)
        shop.product("Cap", hats)
        tree = shop.read_models.category_tree()
        assert [(c["name"], c["productCount"]) for c in tree] == [("Clothes", 1), ("Garden", 0)]
        assert [(c["name"], c["productCount"], c["parentId"]) for c in tree[0]["children"]] == [
            ("Hats", 1, clothes), ("Shoes", 2, clothes)]
        assert tree[1]["id"] == garden and tree[1]["children"] == []

    def test_category_changes_show_in_the_tree(self, shop: Shop) -> None:
        clothes, garden = shop.category("Clothes"), shop.category("Garden")
        shoes, tools = shop.category("Shoes", clothes), shop.category("Tools", garden)
        shop.do(commands.RenameCategory(shoes, "Footwear", "footwear"),
                commands.UpdateCategoryDescription(shoes, "For feet"), commands.MoveCategory(shoes, None),
                commands.DeleteCategory(tools))
        footwear = shop.read_models.category(shoes)
        assert footwear is not None
        assert {key: footwear[key] for key in ("name", "slug", "description", "parentId", "version")} == {
            "name": "Footwear", "slug": "footwear", "description": "For feet", "parentId": None, "version": 4}
        assert [c["name"] for c in shop.read_models.category_tree()] == ["Clothes", "Footwear", "Garden"]
        assert shop.read_models.category(tools) is None

    def test_a_category_shows_its_subtree(self, shop: Shop) -> None:
        clothes = shop.category("Clothes")
        shoes = shop.category("Shoes", clothes)
        shop.category("Boots", shoes)
        view = shop.read_models.category(shoes)
        assert view is not None
        assert [child["name"] for child in view["children"]] == ["Boots"]
        assert shop.read_models.category(str(uuid.uuid4())) is None

    def test_product_counts_follow_membership_changes(self, shop: Shop) -> None:
        shoes, hats = shop.category("Shoes"), shop.category("Hats")
        boot = shop.product("Boot", shoes)
        shop.do(commands.AddProductToCategory(boot, hats), commands.RemoveProductFromCategory(boot, shoes))
        counts = {c["name"]: c["productCount"] for c in shop.read_models.category_tree()}
        assert counts == {"Hats": 1, "Shoes": 0}

    # price history

    def test_the_price_history_lists_every_change_with_who_and_when(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.price(boot, "19.99")
        shop.clock.moment += timedelta(hours=1)
        shop.price(boot, "17.99")
        shop.price(boot, "15.99", effective_from=NOW + DAY)
        discount = shop.discount(boot, "fixed", "2.00", "EUR", valid_until=NOW + 3 * DAY)
        shop.do(commands.RemoveDiscount(boot, discount))
        history = shop.read_models.price_history(boot)
        assert [entry["eventType"] for entry in history] == [
            "PriceSet", "PriceChanged", "PriceChangeScheduled", "DiscountAdded", "DiscountRemoved"]
        assert {key: history[1][key] for key in ("sequenceNumber", "timestamp", "userId", "currency", "amount",
                                                   "previousAmount", "effectiveFrom")} == {
            "sequenceNumber": 2, "timestamp": "2026-03-02T10:30:00.000Z", "userId": "alice", "currency": "EUR",
            "amount": "17.99", "previousAmount": "19.99", "effectiveFrom": "2026-03-02T10:30:00.000Z"}
        assert (history[2]["amount"], history[2]["effectiveFrom"]) == ("15.99", "2026-03-03T09:30:00.000Z")
        assert {key: history[3][key] for key in ("discountId", "kind", "value", "currency", "validUntil")} == {
            "discountId": discount, "kind": "fixed", "value": "2.00", "currency": "EUR",
            "validUntil": "2026-03-05T09:30:00.000Z"}
        assert history[4]["discountId"] == discount
        assert shop.read_models.price_history(str(uuid.uuid4())) == []

    # filters and pages

    def test_filters_narrow_the_list(self, shop: Shop) -> None:
        shoes, hats = shop.category("Shoes"), shop.category("Hats")
        boot = shop.product("Boot", shoes, brand="Acme")
        shop.product("Clog", shoes, description="Wooden, from Delft")
        cap = shop.product("Cap", hats, brand="Zürich Hüte")
        for product_id, amount in ((boot, "50.00"), (cap, "15.00")):
            shop.price(product_id, amount)
        shop.price(cap, "20.00", "USD")
        shop.do(commands.ActivateProduct(boot))
        assert shop.listed(category_id=shoes) == ["Boot", "Clog"]
        assert shop.listed(status="active") == ["Boot"]
        assert shop.listed(status="draft", category_id=shoes) == ["Clog"]
        assert shop.listed(text="WOODEN") == ["Clog"]
        assert shop.listed(text="zÜRICH") == ["Cap"]
        assert shop.listed(text="acme") == ["Boot"]
        assert shop.listed(text=shop.view(cap)["sku"].lower()) == ["Cap"]  # type: ignore[index]
        assert shop.listed(text="%") == []  # a LIKE wildcard is searched for as itself
        assert shop.listed(currency="USD") == ["Cap"]
        assert shop.listed(currency="EUR", min_price=Decimal("15.00"), max_price=Decimal("49.99")) == ["Cap"]
        assert shop.listed(currency="EUR", min_price=Decimal("50")) == ["Boot"]

    def test_price_bounds_apply_to_the_effective_price_at_the_moment_asked(self, shop: Shop) -> None:
        boot, clog = shop.product("Boot"), shop.product("Clog")
        shop.price(boot, "50.00")
        shop.price(clog, "30.00")
        shop.discount(boot, "percentage", "50", valid_from=NOW + DAY)
        assert shop.listed(currency="EUR", max_price=Decimal("30.00")) == ["Clog"]
        shop.clock.moment = NOW + DAY
        assert shop.listed(currency="EUR", max_price=Decimal("30.00")) == ["Boot", "Clog"]

    def test_pages_walk_every_product_once_in_name_order(self, shop: Shop) -> None:
        names = [f"Product {number:02}" for number in range(23)]
        for name in reversed(names):
            shop.product(name)
        shop.product("Product 05")  # a second product of the same name
        expected = sorted(names + ["Product 05"])
        for limit in (1, 5, 23, 24, 100):
            assert shop.listed(limit=limit) == expected

    def test_price_filtered_pages_walk_every_match_once(self, shop: Shop) -> None:
        for number in range(30):
            product_id = shop.product(f"Product {number:02}")
            shop.price(product_id, f"{number}.00")
        assert shop.listed(limit=4, currency="EUR", min_price=Decimal("10"), max_price=Decimal("19")) == [
            f"Product {number}" for number in range(10, 20)]

    def test_a_page_holds_at_most_the_limit_and_says_where_to_go_on(self, shop: Shop) -> None:
        for name in ("A", "B", "C"):
            shop.product(name)
        first = shop.read_models.products(ProductFilter(), None, 2, NOW)
        second = shop.read_models.products(ProductFilter(), first.next_cursor, 2, NOW)
        assert [item["name"] for item in first.items] == ["A", "B"] and first.next_cursor
        assert ([item["name"] for item in second.items], second.next_cursor) == (["C"], None)

    def test_bad_queries_are_refused(self, shop: Shop) -> None:
        with pytest.raises(ValueError):
            shop.read_models.products(ProductFilter(min_price=Decimal(1)), None, 10, NOW)
        with pytest.raises(ValueError):
            shop.read_models.products(ProductFilter(), "not-a-cursor", 10, NOW)
        with pytest.raises(ValueError):
            shop.read_models.products(ProductFilter(), None, 0, NOW)
