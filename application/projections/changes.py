"""What a projection asks of its storage: row changes, decided from one event at a time.

A projection is a pure function of an event (and its envelope) to a list of row changes on
named tables. The storage adapter owns the tables and applies the changes in order, in the
transaction that also moves the projection's checkpoint.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from application.envelope import StoredEvent
from application.errors import ApplicationError
from domain.events.base import DomainEvent

Row = dict[str, Any]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Upsert:
    """Writes the row, replacing the row that has the same primary key."""

    table: str
    row: Row


@dataclass(frozen=True, slots=True)
class Update:
    """Sets `values` on the rows whose columns equal `where`."""

    table: str
    where: Row
    values: Row


@dataclass(frozen=True, slots=True)
class Delete:
    """Removes the rows whose columns equal `where` and are at most the values in `at_most`."""

    table: str
    where: Row
    at_most: Row = field(default_factory=dict)


Change = Upsert | Update | Delete
Handler = Callable[[Any, StoredEvent], list[Change]]


@dataclass(frozen=True)
class Projection:
    """A named view: its tables and, per event type, the changes an event makes to them."""

    name: str
    tables: tuple[str, ...]
    handlers: Mapping[type[DomainEvent], Handler]

    def handler_of(self, event_class: type[DomainEvent]) -> Handler | None:
        """What turns an event of the class into the view's row changes; None for a class the
        view does not care about."""
        return self.handlers.get(event_class)


class ProjectionGap(ApplicationError):
    """Events were offered past a projection's next feed position: applying them would skip some."""


def to_millis(moment: datetime) -> int:
    """A moment as whole milliseconds since the epoch: exact, and comparable in any database."""
    return (moment - EPOCH) // MILLISECOND


def from_millis(millis: int) -> datetime:
    return EPOCH + millis * MILLISECOND
