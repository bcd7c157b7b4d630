"""The aggregate cache lends each aggregate to one unit of work and never hands out a stale one."""

import pytest

from application.aggregate_cache import AggregateCache
from application.handlers import HANDLERS
from application.mapper import EventMapper
from application.messagebus import MessageBus
from application.repository import AggregateRepository
from application.unit_of_work import UnitOfWork
from domain import commands as c
from domain.errors import InvalidValue
from domain.events import ALL_EVENTS
from domain.pricing import Pricing, pricing_id
from domain.product import Product
from tests.unit.catalog import BOOT, CONTEXT, SHOES, Catalog
from tests.unit.given import PRODUCT_ID


def another_process(catalog: Catalog) -> MessageBus:
    """A second writer on the same store, with a repository (and cache) of its own."""
    repository = AggregateRepository(catalog.store, catalog.snapshots, EventMapper(ALL_EVENTS), AggregateCache(10))
    return MessageBus(lambda context: UnitOfWork(repository, catalog.clock, catalog.ids, context, 0), HANDLERS)


def test_a_cached_aggregate_catches_up_with_what_another_writer_appended():
    catalog = Catalog(cached_aggregates=10)
    catalog.handle(SHOES, BOOT, c.SetPrice(PRODUCT_ID, "10.00", "EUR"))
    another_process(catalog).handle(c.SetPrice(PRODUCT_ID, "12.00", "EUR"), CONTEXT)

    catalog.handle(c.SetPrice(PRODUCT_ID, "15.00", "EUR"))

    last = catalog.stream(pricing_id(PRODUCT_ID))[-1]
    assert (last.event_type, last.data["previousAmount"], last.sequence_number) == ("PriceChanged", "12.00", 3)


def test_an_aggregate_changed_by_a_failed_command_is_not_lent_again():
    catalog = Catalog(cached_aggregates=10)
    catalog.handle(SHOES, BOOT)
    failing = c.UpdateProduct(PRODUCT_ID, name="Renamed", set_attributes={"size": ["not", "a", "value"]})

    with pytest.raises(InvalidValue):
        catalog.handle(failing)
    catalog.handle(c.UpdateProduct(PRODUCT_ID, name="Renamed"))

    assert catalog.event_types(PRODUCT_ID)[-1] == "ProductDetailsUpdated"
    assert catalog.load(Product, PRODUCT_ID).name == "Renamed"


def test_a_load_at_a_version_does_not_take_the_cached_aggregate():
    catalog = Catalog(cached_aggregates=10)
    catalog.handle(SHOES, BOOT, c.SetPrice(PRODUCT_ID, "10.00", "EUR"), c.SetPrice(PRODUCT_ID, "11.00", "EUR"))

    at_one, _ = catalog.repository.load(Pricing, pricing_id(PRODUCT_ID), up_to_version=1)

    assert at_one.version == 1
    assert catalog.repository.cache.take(Pricing, pricing_id(PRODUCT_ID)) is not None


def test_the_cache_keeps_only_its_capacity_most_recent_aggregates():
    cache = AggregateCache(2)
    products = [Product(f"00000000-0000-0000-0000-00000000000{n}") for n in range(3)]
    for product in products:
        cache.give(product, None)

    assert cache.take(Product, products[0].id) is None
    assert cache.take(Product, products[2].id) == (products[2], None)
    assert cache.take(Product, products[2].id) is None  # lent: gone until given back


def loads_from_the_store(catalog: Catalog) -> dict[str, list[int]]:
    """Per stream, the version after which each load read the store."""
    loads: dict[str, list[int]] = {}
    load = catalog.store.load

    def recording(entity_id: str, after_version: int = 0, *args, **kwargs):  # type: ignore[no-untyped-def]
        loads.setdefault(entity_id, []).append(after_version)
        return load(entity_id, after_version, *args, **kwargs)

    catalog.store.load = recording  # type: ignore[method-assign]
    return loads


def test_an_aggregate_looked_at_is_given_back_for_the_next_load_to_start_from():
    catalog = Catalog(cached_aggregates=10)
    catalog.handle(SHOES, BOOT)
    catalog.handle(c.SetPrice(PRODUCT_ID, "10.00", "EUR"))
    loads = loads_from_the_store(catalog)

    with catalog.repository.reading(Pricing, pricing_id(PRODUCT_ID)) as pricing:
        shown = pricing.version
    catalog.handle(c.SetPrice(PRODUCT_ID, "11.00", "EUR"))

    assert shown == 1
    assert loads[pricing_id(PRODUCT_ID)] == [1, 1]  # after the first, each load only asked for what came later
