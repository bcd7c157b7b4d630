"""Rebuilding from the events alone gives what snapshots give and what the running system had.

Random command sequences run through the MessageBus (rejected commands are part of the game);
afterwards every stream is loaded three ways and the states must agree.
"""

import contextlib
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from application.errors import ApplicationError
from application.unit_of_work import UnitOfWork
from domain import commands as c
from domain.aggregate import Aggregate
from domain.category import Category
from domain.errors import DomainError
from domain.pricing import Pricing, pricing_id
from domain.product import STATUSES, Product
from tests.unit.catalog import BOOT, SHOES, Catalog
from tests.unit.given import CATEGORY_ID, NOW, OTHER_CATEGORY_ID, PRODUCT_ID, SECOND_PRODUCT_ID, THIRD_CATEGORY_ID

THIRD_PRODUCT_ID = "3c9a1f0e-7b6d-4e5c-8a2b-1d0e9f8a7b6c"
CATEGORIES = (CATEGORY_ID, OTHER_CATEGORY_ID, THIRD_CATEGORY_ID)
PRODUCTS = (PRODUCT_ID, SECOND_PRODUCT_ID, THIRD_PRODUCT_ID)  # the third one is for creation and import
KINDS: dict[str, type[Aggregate]] = {**dict.fromkeys(CATEGORIES, Category), **dict.fromkeys(PRODUCTS, Product),
                                     **{pricing_id(product): Pricing for product in PRODUCTS}}
PRELUDE = (SHOES, BOOT, c.CreateProduct(SECOND_PRODUCT_ID, "sandal-1", "Sandal", category_ids=(CATEGORY_ID,)))


@dataclass(frozen=True)
class Tick:
    """Moves the fake clock; negative minutes move it back."""

    minutes: int


class ObservedUnitOfWork(UnitOfWork):
    """A real unit of work that remembers the aggregates it handed out for change."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.handed_out: list[Aggregate] = []

    def get(self, cls, entity_id, expected_version=None):
        aggregate = super().get(cls, entity_id, expected_version)
        self.handed_out.append(aggregate)
        return aggregate

    def new(self, cls, entity_id):
        aggregate = super().new(cls, entity_id)
        self.handed_out.append(aggregate)
        return aggregate


# the one the prelude creates more often; any spelling of a UUID names the same category
category = st.sampled_from((CATEGORY_ID, *CATEGORIES)) | st.sampled_from(CATEGORIES).map(str.upper)
product = st.sampled_from((PRODUCT_ID, *PRODUCTS))  # the first one more often: longer streams
names = st.sampled_from(["Shoes", "Boots", "Shoes!", "Sale"])
texts = st.sampled_from(["", "Warm"])
currencies = st.sampled_from(["EUR", "JPY"])
amounts = st.sampled_from(["0", "9.99", "10", "25", "100"])
discount_ids = st.sampled_from(["d1", "d2"])
attribute_keys = st.sampled_from(["color", "size", "fit"])
attributes = st.dictionaries(attribute_keys, st.sampled_from(["red", "", 0, 1, 2, True, False, 0.5, 1.0]), max_size=2)
# any precision in any time zone: the domain records them in UTC to the millisecond (test_event_moments.py)
zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))])
moments = st.none() | st.builds(lambda minutes, micros, zone: (NOW + timedelta(minutes=minutes, microseconds=micros))
                                .astimezone(zone),
                                st.integers(-3, 60 * 24 * 20), st.sampled_from([0, 1, 999, 1_500, 59_999_999]), zones)


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, drawn `weight` times as often; final commands stay rare."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(lambda s: s)


steps = weighted(
    (2, st.builds(Tick, st.integers(-30, 60 * 24 * 3))),
    (1, st.builds(c.CreateCategory, category, names, st.none() | st.sampled_from(["shoes", "sale"]),
                  st.none() | category)),
    (1, st.builds(c.RenameCategory, category, names, st.none() | st.sampled_from(["shoes", "boots"]))),
    (1, st.builds(c.UpdateCategoryDescription, category, texts)),
    (1, st.builds(c.MoveCategory, category, st.none() | category)),
    (1, st.builds(c.DeleteCategory, category)),
    (1, st.builds(c.CreateProduct, product, st.sampled_from(["a-1", "A-1", "b-2"]), names,
                  category_ids=st.lists(category, max_size=2).map(tuple))),
    (1, st.builds(c.ImportProduct, product, st.sampled_from(["a-1", "c-3"]), names, texts, texts, attributes,
                  st.lists(category, max_size=2).map(tuple), st.sampled_from(STATUSES), st.just("csv"),
                  st.just("L-1"), st.lists(st.tuples(amounts, currencies), max_size=2).map(tuple))),
    (3, st.builds(c.UpdateProductDetails, product, st.none() | names, st.none() | texts, st.none() | texts)),
    (3, st.builds(c.ChangeProductAttributes, product, attributes, st.lists(attribute_keys, max_size=2).map(tuple))),
    (2, st.builds(c.AddProductToCategory, product, category)),
    (2, st.builds(c.RemoveProductFromCategory, product, category)),
    (5, st.builds(c.SetPrice, product, amounts, currencies, moments)),
    (3, st.builds(c.AddDiscount, product, discount_ids, st.sampled_from(["percentage", "fixed"]),
                  st.sampled_from(["10", "50", "100", "5.00", "150"]), st.none() | currencies, moments, moments)),
    (2, st.builds(c.RemoveDiscount, product, discount_ids)),
    (3, st.builds(c.ActivateProduct, product)),
    (2, st.builds(c.DeactivateProduct, product)),
    (1, st.builds(c.DiscontinueProduct, product)),
    (1, st.builds(c.DeleteProduct, product)),
)


def run(catalog: Catalog, scenario: list) -> dict[str, Aggregate]:
    """Runs every step; the aggregates as the running system left them, by id."""
    running: dict[str, Aggregate] = {}
    for step in [*PRELUDE, *scenario]:
        if isinstance(step, Tick):
            catalog.clock.advance(minutes=step.minutes)
            continue
        try:
            catalog.handle(step)
        except (DomainError, ApplicationError):
            continue
        running.update((aggregate.id, aggregate) for aggregate in catalog.last_unit_of_work.handed_out)
    return running


def observed(aggregate: Aggregate) -> tuple[int, dict]:
    return aggregate.version, aggregate.snapshot_state()


@settings(max_examples=60, deadline=None)
@given(st.lists(steps, min_size=15, max_size=27))
def test_replaying_the_events_gives_the_state_of_snapshot_loads_and_of_the_running_system(scenario):
    catalog = Catalog(snapshot_every=3, unit_of_work=ObservedUnitOfWork)

    running = run(catalog, scenario)

    for entity_id in catalog.store.stream_ids():
        cls = KINDS[entity_id]
        replayed = observed(catalog.replayed(cls, entity_id))
        assert replayed == observed(catalog.load(cls, entity_id)), f"snapshot load of {cls.__name__} {entity_id}"
        assert replayed == observed(running[entity_id]), f"running {cls.__name__} {entity_id}"


@settings(max_examples=60, deadline=None)
@given(st.lists(steps, min_size=15, max_size=27))
def test_loads_through_the_aggregate_cache_give_the_replayed_state_even_after_failed_commands(scenario):
    catalog = Catalog(snapshot_every=3, cached_aggregates=1000)

    run_plainly(catalog, scenario)

    for entity_id in catalog.store.stream_ids():
        cls = KINDS[entity_id]
        assert observed(catalog.load(cls, entity_id)) == observed(catalog.replayed(cls, entity_id)), \
            f"cached load of {cls.__name__} {entity_id}"


def run_plainly(catalog: Catalog, scenario: list) -> None:
    for step in [*PRELUDE, *scenario]:
        if isinstance(step, Tick):
            catalog.clock.advance(minutes=step.minutes)
            continue
        with contextlib.suppress(DomainError, ApplicationError):
            catalog.handle(step)
