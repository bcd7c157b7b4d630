"""Projection rebuild, SQLite -> SQLite: replay a realistic catalog's feed into fresh read models.

The history is written straight through units of work, a few hundred aggregates per commit
(not timed); each round touches every product once, so a product's events lie far apart in
the feed, as they do when many users edit the catalog. The live views are projected first;
the rebuild must give exactly their tables.

The embedded projection's cost per command is `Projector.on_committed` after one SetPrice:
the catch-up that the HTTP server runs after every command.
"""

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from application.unit_of_work import CommandContext, UnitOfWork
from domain import commands
from domain.category import Category
from domain.pricing import Pricing, pricing_id
from domain.product import Product
from domain.values import Money
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.rebuild_helpers import ForkedRebuildHelpers
from entrypoints.settings import Settings
from tests.soak.checks import Tables, read_model_tables

CONTEXT = CommandContext("bench", "bench-correlation", "bench-command")
TARGET_EVENTS_PER_S = 50_000
CATEGORIES, PER_COMMIT = 200, 500
EMBEDDED_COMMANDS = 300
ProductChange = Callable[[UnitOfWork, int, str, list[str]], None]  # (unit of work, number, product id, category ids)


@dataclass(frozen=True)
class RebuildFigures:
    products: int
    events: int
    setup_s: float
    rebuild_s: float  # as `product-service projections rebuild` does it: helpers replay shares in parallel
    identical: bool
    alone_s: float  # the same rebuild in this process alone, for reference
    identical_alone: bool
    embedded_s: float  # median on_committed per command

    @property
    def events_per_s(self) -> float:
        return self.events / self.rebuild_s

    @property
    def events_per_s_alone(self) -> float:
        return self.events / self.alone_s


@contextmanager
def _catalog(products: int) -> Iterator[tuple[Container, ForkedRebuildHelpers]]:
    with tempfile.TemporaryDirectory(prefix="rebuild-bench-") as directory:
        settings = Settings(data_dir=directory, sqlite_synchronous="NORMAL", aggregate_cache=4 * products + CATEGORIES)
        with ForkedRebuildHelpers(settings) as helpers:  # forked before the stores open, as the CLI does
            container = build_container(settings)
            init_stores(container)
            yield container, helpers
            container.read_model_engine().dispose()
            container.sqlite_database().close()


def measure(products: int = 10_000) -> RebuildFigures:
    with _catalog(products) as (container, helpers):
        started = time.perf_counter()
        events = catalog_history(container, products)
        projector = container.projector()
        projector.catch_up()
        live = read_model_tables(container.read_model_engine())
        setup_s = time.perf_counter() - started
        rebuild_s, identical = _timed_rebuild(container, helpers, events, live)
        alone_s, identical_alone = _timed_rebuild(container, None, events, live)
        return RebuildFigures(products, events, setup_s, rebuild_s, identical, alone_s, identical_alone,
                              _embedded_seconds(container))


def _timed_rebuild(container: Container, helpers: ForkedRebuildHelpers | None, events: int,
                   live: Tables) -> tuple[float, bool]:
    """How long one rebuild took, and whether its views equal the live ones as they were."""
    started = time.perf_counter()
    replayed = container.projector().rebuild(helpers=helpers)
    seconds = time.perf_counter() - started
    assert replayed == events, f"the rebuild replayed {replayed} of {events} events"
    return seconds, read_model_tables(container.read_model_engine()) == live


def _embedded_seconds(container: Container) -> float:
    """The catch-up after one SetPrice, each command committed by the bulk bus (not timed)."""
    bus, projector = container.bulk_message_bus(), container.projector()
    product_id = str(uuid.uuid4())
    _each(container, [product_id], [], _new_product)
    timings = []
    for i in range(EMBEDDED_COMMANDS):
        result = bus.handle(commands.SetPrice(product_id, _amount(i), "EUR"), CONTEXT)
        started = time.perf_counter()
        projector.on_committed(result.events)
        timings.append(time.perf_counter() - started)
    assert projector.lag() == 0
    return statistics.median(timings)


def catalog_history(container: Container, products: int) -> int:
    """Writes the catalog's history; how many events it holds."""
    categories = [str(uuid.uuid4()) for _ in range(CATEGORIES)]
    uow = container.unit_of_work(CONTEXT)
    _categories(uow, categories)
    written = len(uow.commit())
    ids = [str(uuid.uuid4()) for _ in range(products)]
    for change in (_new_product, *ROUNDS):
        written += _each(container, ids, categories, change)
        uow = container.unit_of_work(CONTEXT)
        _reshape(uow, categories)
        written += len(uow.commit())
    return written


def _each(container: Container, ids: list[str], categories: list[str], change: ProductChange) -> int:
    """The change to every product, a few hundred products per commit; how many events it made."""
    written = 0
    for chunk in range(0, len(ids), PER_COMMIT):
        uow = container.unit_of_work(CONTEXT)
        for n in range(chunk, min(chunk + PER_COMMIT, len(ids))):
            change(uow, n, ids[n], categories)
        written += len(uow.commit())
    return written


def _categories(uow: UnitOfWork, ids: list[str]) -> None:
    for n, category_id in enumerate(ids):
        parent = ids[(n - 1) // 10] if n >= 10 else None
        uow.new(Category, category_id).create(f"Category {n}", parent_id=parent, description=f"All of {n}")


def _reshape(uow: UnitOfWork, ids: list[str]) -> None:
    """Between rounds: a few categories renamed, moved, described anew."""
    for n in range(10, len(ids), 7):
        category = uow.get(Category, ids[n])
        category.rename(f"{category.name} *")
        if n % 3 == 0:
            category.move(ids[(n % 10)] if category.parent_id != ids[n % 10] else None)
        else:
            category.update_description(f"{category.description} +")


def _new_product(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    uow.new(Product, product_id).create(
        f"SKU-{product_id[:18]}", f"Product {n} {product_id[:6]}", description=f"The product number {n}",
        brand=f"Brand {n % 37}", attributes_={"colour": ("red", "green", "blue")[n % 3], "size": n % 12},
        categories=[categories[n % len(categories)]] if categories else [])


def _pricing(uow: UnitOfWork, product_id: str) -> Pricing:
    return uow.get(Pricing, pricing_id(product_id))


def _amount(i: int) -> str:
    return str(Decimal(1_000 + i % 9_000) / 100)


def _details(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    uow.get(Product, product_id).update_details(name=f"Renamed {n}", description=f"Now better, {n}")


def _attributes(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    uow.get(Product, product_id).change_attributes({"size": n % 12 + 1, "material": "wool"},
                                                   remove=("colour",) if n % 2 else ())


def _second_category(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    uow.get(Product, product_id).add_to_category(categories[(n * 7 + 3) % len(categories)])


def _first_prices(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    pricing = _pricing(uow, product_id)
    pricing.set_price(product_id, Money.of(_amount(n), "EUR"), uow.now)
    pricing.set_price(product_id, Money.of(_amount(n + 1), "USD"), uow.now)


def _price_changes(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    pricing = _pricing(uow, product_id)
    pricing.set_price(product_id, Money.of(_amount(n + 2), "EUR"), uow.now)
    pricing.set_price(product_id, Money.of(_amount(n + 3), "EUR"), uow.now, uow.now + timedelta(days=n % 30 + 1))


def _discounts(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    pricing = _pricing(uow, product_id)
    pricing.add_discount(product_id, f"d-{n}", "percentage", "10", None, None, None, uow.now)
    if n % 2:
        pricing.add_discount(product_id, f"f-{n}", "fixed", "1.00", "EUR", None, uow.now + timedelta(days=9), uow.now)


def _lifecycle(uow: UnitOfWork, n: int, product_id: str, categories: list[str]) -> None:
    product = uow.get(Product, product_id)
    product.activate(has_current_price=True)
    if n % 5 == 0:
        product.remove_from_category(categories[n % len(categories)])
    if n % 4 == 0:
        _pricing(uow, product_id).remove_discount(product_id, f"d-{n}", uow.now)
    if n % 10 == 0:
        product.deactivate()
    if n % 50 == 0:
        product.delete()


ROUNDS = (_details, _attributes, _second_category, _first_prices, _price_changes, _discounts, _lifecycle)


def main() -> None:
    figures = measure()
    print(f"{figures.events} events, setup {figures.setup_s:.1f} s, rebuild {figures.rebuild_s:.2f} s = "
          f"{figures.events_per_s:,.0f} events/s (target {TARGET_EVENTS_PER_S:,}), identical: {figures.identical}; "
          f"embedded projection {figures.embedded_s * 1e6:.0f} µs per command")


if __name__ == "__main__":
    main()
