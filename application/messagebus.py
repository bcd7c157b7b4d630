"""Dispatches each command to its handler inside a fresh unit of work."""

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from application.envelope import StoredEvent
from application.errors import ConcurrencyError
from application.handlers import Handler
from application.unit_of_work import CommandContext, UnitOfWork
from domain.commands import Command

log = logging.getLogger(__name__)
Listener = Callable[[list[StoredEvent]], None]
CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class CommandResult:
    """The entity the command changed, its version afterwards, and the events recorded."""

    entity_id: str
    version: int
    events: list[StoredEvent]


class MessageBus:
    def __init__(self, uow_factory: Callable[[CommandContext], UnitOfWork],
                 handlers: Mapping[type[Command], Handler],
                 listeners: Sequence[Listener] = ()) -> None:
        self.uow_factory = uow_factory
        self.handlers = handlers
        self.listeners = list(listeners)

    def handle(self, command: Command, context: CommandContext) -> CommandResult:
        """Runs the command; a race lost to another writer is retried unless the caller
        pinned the version it expects, in which case the conflict is the answer."""
        handler = self.handlers[type(command)]
        for attempt in range(CONFLICT_RETRIES + 1):
            uow = self.uow_factory(context)
            aggregate = handler(command, uow)
            try:
                events = uow.commit()
            except ConcurrencyError:
                if getattr(command, "expected_version", None) is not None or attempt == CONFLICT_RETRIES:
                    raise
                continue
            self._notify(events)
            return CommandResult(aggregate.id, aggregate.version, events)
        raise AssertionError("unreachable")

    def _notify(self, events: list[StoredEvent]) -> None:
        if events:
            for listener in self.listeners:
                listener(events)
