"""The base of every event-sourced aggregate: state changes only by applying events."""

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Self, TypeVar

from domain.events.base import DomainEvent

E = TypeVar("E", bound=DomainEvent)
Applier = Callable[[Any, Any], None]


def applies(event_type: type[E]) -> Callable[[Callable[[Any, E], None]], Callable[[Any, E], None]]:
    """Marks a method as the one that applies `event_type` to the aggregate's state."""

    def mark(method: Callable[[Any, E], None]) -> Callable[[Any, E], None]:
        method.__applies__ = event_type  # type: ignore[attr-defined]
        return method

    return mark


class Aggregate:
    """Commands record events; `version` counts the events applied so far."""

    AGGREGATE_TYPE: ClassVar[str] = ""
    SNAPSHOT_SCHEMA: ClassVar[int] = 1
    # set where two classes fold the same stream (Pricing, PriceHistory): this one's snapshots
    # are then kept under "<id>/<name>", apart from the other's
    SNAPSHOT_NAME: ClassVar[str] = ""
    _appliers: ClassVar[dict[type[DomainEvent], Applier]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = {member.__applies__: member for member in vars(cls).values() if hasattr(member, "__applies__")}
        cls._appliers = {**cls._appliers, **own}

    def __init__(self, entity_id: str) -> None:
        self.id = entity_id
        self.version = 0
        self._pending: list[DomainEvent] = []

    @classmethod
    def rehydrate(cls, entity_id: str, events: Iterable[DomainEvent]) -> Self:
        aggregate = cls(entity_id)
        aggregate.replay(events)
        return aggregate

    def replay(self, events: Iterable[DomainEvent]) -> None:
        appliers = self._appliers
        for event in events:
            appliers[type(event)](self, event)
            self.version += 1

    @property
    def exists(self) -> bool:
        return self.version > 0

    @property
    def has_changes(self) -> bool:
        return bool(self._pending)

    def collect_events(self) -> list[DomainEvent]:
        """Hands over the events recorded since the last collection."""
        pending, self._pending = self._pending, []
        return pending

    def _record(self, event: DomainEvent) -> None:
        self._appliers[type(event)](self, event)
        self.version += 1
        self._pending.append(event)

    def unique_keys(self) -> set[str]:
        """Keys this aggregate holds exclusively across the catalog (``sku:ABC-1``)."""
        return set()

    def referenced_keys(self) -> set[str]:
        """Keys of other aggregates this one refers to; each must exist while referred to."""
        return set()

    def snapshot_state(self) -> dict[str, Any]:
        """The aggregate's state as a JSON-compatible object."""
        raise NotImplementedError

    @classmethod
    def from_snapshot(cls, entity_id: str, version: int, state: dict[str, Any]) -> Self:
        aggregate = cls(entity_id)
        aggregate._restore(state)
        aggregate.version = version
        return aggregate

    def _restore(self, state: dict[str, Any]) -> None:
        raise NotImplementedError
