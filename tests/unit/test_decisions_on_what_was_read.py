"""A command that decided on an aggregate it only read fails (and decides again) when that
aggregate moved before the commit: two writers cannot each pass a rule on the other's old state."""

import contextlib
import threading

import pytest

from application.aggregate_cache import AggregateCache
from application.handlers import HANDLERS
from application.mapper import EventMapper
from application.messagebus import MessageBus
from application.repository import AggregateRepository
from application.unit_of_work import UnitOfWork
from domain.category import Category
from domain.commands import ActivateProduct, CreateCategory, DiscontinueProduct, MoveCategory, SetPrice
from domain.errors import RuleViolation
from domain.events import ALL_EVENTS
from tests.unit.catalog import BOOT, CONTEXT, SHOES, Catalog
from tests.unit.given import PRODUCT_ID

A, B = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"


class PausingUnitOfWork(UnitOfWork):
    """Holds every commit at a barrier, so two writers have both decided before either commits."""

    barrier: threading.Barrier

    def commit(self):  # type: ignore[no-untyped-def]
        with contextlib.suppress(threading.BrokenBarrierError):  # a retry commits alone
            self.barrier.wait(timeout=1)
        return super().commit()


def two_processes(catalog: Catalog, barrier: threading.Barrier) -> list[MessageBus]:
    """Two writers on one store, each with its own repository: as two server processes."""
    buses = []
    for _ in range(2):
        repository = AggregateRepository(catalog.store, catalog.snapshots, EventMapper(ALL_EVENTS), AggregateCache(0))

        def unit_of_work(context, repository=repository):  # type: ignore[no-untyped-def]
            uow = PausingUnitOfWork(repository, catalog.clock, catalog.ids, context, 0)
            uow.barrier = barrier
            return uow

        buses.append(MessageBus(unit_of_work, HANDLERS))
    return buses


def race(first: tuple[MessageBus, object], second: tuple[MessageBus, object]) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None, None]

    def run(index: int, bus: MessageBus, command: object) -> None:
        try:
            bus.handle(command, CONTEXT)  # type: ignore[arg-type]
        except Exception as error:  # noqa: BLE001 - the test reads it
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, bus, cmd)) for i, (bus, cmd) in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_categories_moved_under_each_other_at_once_never_make_a_cycle():
    catalog = Catalog()
    catalog.handle(CreateCategory(A, "A"), CreateCategory(B, "B"))
    one, other = two_processes(catalog, threading.Barrier(2))

    outcomes = race((one, MoveCategory(A, B)), (other, MoveCategory(B, A)))

    assert sum(outcome is None for outcome in outcomes) == 1
    assert any(isinstance(outcome, RuleViolation) for outcome in outcomes)
    parents = {catalog.load(Category, A).parent_id, catalog.load(Category, B).parent_id}
    assert None in parents  # one of them is still a root: no cycle


def test_a_price_set_while_the_product_is_discontinued_is_refused():
    catalog = Catalog()
    catalog.handle(SHOES, BOOT, SetPrice(PRODUCT_ID, "10.00", "EUR"), ActivateProduct(PRODUCT_ID))
    one, other = two_processes(catalog, threading.Barrier(2))

    outcomes = race((one, SetPrice(PRODUCT_ID, "12.00", "EUR")), (other, DiscontinueProduct(PRODUCT_ID)))

    assert outcomes[1] is None
    events = [event.event_type for event in catalog.store.read_feed(0, 0)]
    if outcomes[0] is None:  # the price came first: then the product was discontinued, both fine
        assert events.index("PriceChanged") < events.index("ProductDiscontinued")
    else:
        with pytest.raises(RuleViolation):
            raise outcomes[0]
        assert "PriceChanged" not in events
