"""Our service on the reference workloads: every operation goes through the application layer
(message bus, unit of work, repository) on an SQLite file, exactly as a request would, but
without the read-model projection that embedded mode runs after each commit (the reference
has none either).

Each change sets a new amount, so every operation really appends an event (the catalog
records nothing for a price that does not change).
"""

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from application.messagebus import MessageBus
from application.repository import AggregateRepository
from application.unit_of_work import CommandContext
from domain import commands
from domain.pricing import Pricing, pricing_id
from domain.values import Money
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import Settings
from tests.bench.concurrency import seconds_per_operation

CURRENCIES = ("EUR", "USD", "GBP")
CONTEXT = CommandContext("bench", "bench-correlation", "bench-command")
DEFAULT_REPEATS = 3


@contextmanager
def catalog(synchronous: str, snapshot_every: int = 50, aggregate_cache: int = 10_000) -> Iterator[Container]:
    """Loads are measured with the aggregate cache off, so that each one reads the store."""
    with tempfile.TemporaryDirectory(prefix="catalog-bench-") as directory:
        container = build_container(Settings(data_dir=directory, sqlite_synchronous=synchronous,
                                             snapshot_every=snapshot_every, aggregate_cache=aggregate_cache))
        init_stores(container)
        yield container
        container.sqlite_database().close()


def _amount(i: int) -> str:
    return str(Decimal(10_000 + i) / 100)


def _new_products(bus: MessageBus, count: int, priced: bool = True) -> list[str]:
    ids = []
    for _ in range(count):
        product_id = str(uuid.uuid4())
        bus.handle(commands.CreateProduct(product_id, f"SKU-{product_id[:13]}", "Bench product"), CONTEXT)
        if priced:
            bus.handle(commands.SetPrice(product_id, _amount(0), CURRENCIES[0]), CONTEXT)
        ids.append(product_id)
    return ids


def _per_op(start: float, n: int) -> float:
    return (time.perf_counter() - start) / n


def change_price_seconds(n: int = 1000, *, aggregates: int = 100, repeats: int = DEFAULT_REPEATS,
                         synchronous: str = "FULL", aggregate_cache: int = 10_000) -> float:
    """(a) SetPrice through the bus: load product and pricing, decide, append, round-robin."""
    return min(_change_price_once(n, aggregates, synchronous, aggregate_cache) for _ in range(repeats))


def _change_price_once(n: int, aggregates: int, synchronous: str, aggregate_cache: int) -> float:
    with catalog(synchronous, aggregate_cache=aggregate_cache) as container:
        bus = container.bulk_message_bus()
        ids = _new_products(bus, aggregates)
        work = [commands.SetPrice(ids[i % aggregates], _amount(i + 1), CURRENCIES[i % 3]) for i in range(n)]
        start = time.perf_counter()
        for command in work:
            bus.handle(command, CONTEXT)
        return _per_op(start, n)


def create_seconds(n: int = 1000, *, repeats: int = DEFAULT_REPEATS, synchronous: str = "FULL",
                   callers: int = 1) -> float:
    """(b) CreateProduct through the bus, SKU uniqueness claim included; with several `callers`,
    threads sharing one message bus as a server's do."""
    with catalog(synchronous) as container:
        bus = container.bulk_message_bus()
        if callers == 1:
            return min(_create_once(bus, n) for _ in range(repeats))
        return min(seconds_per_operation(lambda command: bus.handle(command, CONTEXT), _creations(n), callers)
                   for _ in range(repeats))


def _create_once(bus: MessageBus, n: int) -> float:
    work = _creations(n)
    start = time.perf_counter()
    for command in work:
        bus.handle(command, CONTEXT)
    return _per_op(start, n)


def _creations(n: int) -> list[commands.CreateProduct]:
    return [commands.CreateProduct(str(uuid.uuid4()), f"SKU-{uuid.uuid4().hex[:20]}", "Created") for _ in range(n)]


def _build_history(container: Container, events: int) -> str:
    """A product whose pricing stream holds `events` events, recorded by the domain and
    committed in one append (as the reference builds its history)."""
    (product_id,) = _new_products(container.bulk_message_bus(), 1, priced=False)
    uow = container.unit_of_work(CONTEXT)
    pricing = uow.get(Pricing, pricing_id(product_id))
    for i in range(events):
        pricing.set_price(product_id, Money.of(_amount(i), CURRENCIES[i % 3]), uow.now)
    uow.commit()
    return pricing.id


def _time_loads(repository: AggregateRepository, ids: list[str], n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        repository.load(Pricing, ids[i % len(ids)])
    return _per_op(start, n)


def load_small_seconds(n: int = 1000, *, aggregates: int = 100, repeats: int = DEFAULT_REPEATS,
                       synchronous: str = "FULL") -> float:
    """(c) load a 10-event Pricing aggregate (no snapshot exists below 50 events)."""
    with catalog(synchronous, aggregate_cache=0) as container:
        ids = [_build_history(container, 10) for _ in range(aggregates)]
        repository = container.repository()
        return min(_time_loads(repository, ids, n) for _ in range(repeats))


def load_large_seconds(n: int = 20, *, snapshot: bool = False, events: int = 10_000,
                       repeats: int = DEFAULT_REPEATS, synchronous: str = "FULL") -> float:
    """(d) load a 10,000-event Pricing aggregate, from its events alone or from a snapshot."""
    with catalog(synchronous, snapshot_every=0, aggregate_cache=0) as container:
        entity = _build_history(container, events)
        repository = container.repository()
        if snapshot:
            aggregate, last = repository.load(Pricing, entity)
            repository.snapshot(aggregate, last or container.clock().now())
        return min(_time_loads(repository, [entity], n) for _ in range(repeats))
