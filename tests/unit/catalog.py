"""The application wired on memory stores, with a clock the test controls: fakes, not mocks."""

import uuid
from datetime import datetime, timedelta
from typing import TypeVar

from adapters.memory import MemoryEventStore, MemorySnapshotStore
from application.aggregate_cache import AggregateCache
from application.envelope import StoredEvent
from application.handlers import HANDLERS
from application.mapper import EventMapper
from application.messagebus import CommandResult, MessageBus
from application.ports import Clock, IdGenerator
from application.repository import AggregateRepository
from application.temporal import TemporalQueries
from application.unit_of_work import CommandContext, UnitOfWork
from domain.aggregate import Aggregate
from domain.commands import Command, CreateCategory, CreateProduct
from domain.events import ALL_EVENTS
from tests.unit.given import CATEGORY_ID, NOW, PRODUCT_ID

A = TypeVar("A", bound=Aggregate)
CONTEXT = CommandContext(user_id="alice", correlation_id="request-1", causation_id="command-1")
SHOES = CreateCategory(CATEGORY_ID, "Shoes")
BOOT = CreateProduct(PRODUCT_ID, "boot-1", "Boot", category_ids=(CATEGORY_ID,))


class FakeClock(Clock):
    def __init__(self, start: datetime = NOW) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        """Moves the clock by a timedelta's keywords; negative values move it back."""
        self.moment += timedelta(**delta)
        return self.moment


class CountingIds(IdGenerator):
    def __init__(self) -> None:
        self.issued = 0

    def new_id(self) -> str:
        self.issued += 1
        return str(uuid.UUID(int=self.issued))


class Catalog:
    """A MessageBus over a MemoryEventStore and MemorySnapshotStore, as the container wires it."""

    def __init__(self, snapshot_every: int = 3, unit_of_work: type[UnitOfWork] = UnitOfWork,
                 cached_aggregates: int = 0) -> None:
        self.clock = FakeClock()
        self.ids = CountingIds()
        self.store = MemoryEventStore()
        self.snapshots = MemorySnapshotStore()
        self.repository = AggregateRepository(self.store, self.snapshots, EventMapper(ALL_EVENTS),
                                              AggregateCache(cached_aggregates))
        self.snapshot_every, self.unit_of_work_class = snapshot_every, unit_of_work
        self.temporal = TemporalQueries(self.repository, snapshot_every)
        self.last_unit_of_work: UnitOfWork | None = None
        self.bus = MessageBus(self._unit_of_work, HANDLERS)

    def _unit_of_work(self, context: CommandContext) -> UnitOfWork:
        """A fresh unit of work per attempt; the last one is kept for tests that inspect it."""
        self.last_unit_of_work = self.unit_of_work_class(self.repository, self.clock, self.ids, context,
                                                         self.snapshot_every)
        return self.last_unit_of_work

    def handle(self, *commands: Command, context: CommandContext = CONTEXT) -> CommandResult:
        """Runs each command in turn; the result of the last one."""
        results = [self.bus.handle(command, context) for command in commands]
        return results[-1]

    def load(self, cls: type[A], entity_id: str) -> A:
        return self.repository.load(cls, entity_id)[0]

    def stream(self, entity_id: str) -> list[StoredEvent]:
        return self.store.load(entity_id)

    def event_types(self, entity_id: str) -> list[str]:
        return [event.event_type for event in self.stream(entity_id)]

    def replayed(self, cls: type[A], entity_id: str) -> A:
        """The aggregate rebuilt from its events alone, without any snapshot."""
        without_snapshots = AggregateRepository(self.store, MemorySnapshotStore(), self.repository.mapper)
        return without_snapshots.load(cls, entity_id)[0]
