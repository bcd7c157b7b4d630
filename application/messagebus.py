"""Dispatches each command to its handler inside a fresh unit of work."""

import itertools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from application.entity_locks import EntityLocks
from application.envelope import StoredEvent
from application.errors import ApplicationError, ConcurrencyError, DuplicateCommand
from application.handlers import Handler
from application.observation import ACCEPTED, CommandObserver, outcome_of
from application.unit_of_work import CommandContext, UnitOfWork
from domain.commands import Command
from domain.errors import DomainError

log = logging.getLogger(__name__)
Listener = Callable[[list[StoredEvent]], None]
CONFLICT_RETRIES = 16  # a lost race is decided again at least this many times,
CONFLICT_PATIENCE_S = 2.0  # and on until this long after the first decision: then the conflict is the answer
BACKOFF_BASE_S, BACKOFF_CAP_S = 0.0005, 0.1  # full jitter: concurrent losers do not collide again in step


@dataclass(frozen=True)
class CommandResult:
    """The entity the command changed, its version afterwards, and the events recorded."""

    entity_id: str
    version: int
    events: list[StoredEvent]


class MessageBus:
    def __init__(self, uow_factory: Callable[[CommandContext], UnitOfWork],
                 handlers: Mapping[type[Command], Handler],
                 listeners: Sequence[Listener] = (), observers: Sequence[CommandObserver] = ()) -> None:
        self.uow_factory = uow_factory
        self.handlers = handlers
        self.listeners = list(listeners)
        self.observers = list(observers)
        self.entity_locks = EntityLocks()

    def handle(self, command: Command, context: CommandContext) -> CommandResult:
        """Runs the command; a race lost to another writer is retried unless the caller
        pinned the version it expects, in which case the conflict is the answer.

        A command whose idempotency key a copy of it has carried out meanwhile (a retry racing
        the original) raises DuplicateCommand, whatever that copy's effects made it fail with:
        a taken SKU, a moved version, a discount that now exists.

        The listeners (the embedded projection) hear of the events after the entity's turn has
        passed on: the next command on the same entity need not wait for them."""
        try:
            result = self._carry_out(command, context)
        except Exception as error:
            self._observe(command, outcome_of(error), [])
            raise
        self._observe(command, ACCEPTED, result.events)
        self._notify(result.events)
        return result

    def _carry_out(self, command: Command, context: CommandContext) -> CommandResult:
        try:
            lock = self.entity_locks.of(command)
            if lock is None:
                return self._handle(command, context)
            with lock:
                return self._handle(command, context)
        except (DomainError, ApplicationError) as error:
            claim = context.idempotency_claim
            if claim is None or isinstance(error, DuplicateCommand):
                raise
            owner = self.uow_factory(context).store.owner_of(claim)
            if owner is None:
                raise
            raise DuplicateCommand(claim, owner) from error

    def _handle(self, command: Command, context: CommandContext) -> CommandResult:
        """Decides and commits; a race lost to other writers is decided again on what they
        wrote, for CONFLICT_RETRIES times and CONFLICT_PATIENCE_S at least: a steady stream of
        writers (another process's, on the same entity) must not turn a command into a conflict
        its caller never asked about."""
        handler = self.handlers[type(command)]
        patient_until = time.monotonic() + CONFLICT_PATIENCE_S
        for attempt in itertools.count():
            uow = self.uow_factory(context)
            aggregate = handler(command, uow)
            try:
                events = uow.commit()
            except ConcurrencyError:
                if getattr(command, "expected_version", None) is not None or (
                        attempt >= CONFLICT_RETRIES and time.monotonic() >= patient_until):
                    raise
                if attempt:  # the first loser decides again at once, on what the winner wrote
                    time.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)))
                continue
            return CommandResult(aggregate.id, aggregate.version, events)
        raise AssertionError("unreachable")

    def _observe(self, command: Command, outcome: str, events: list[StoredEvent]) -> None:
        for observer in self.observers:
            observer.command_handled(type(command).__name__, outcome, events)

    def _notify(self, events: list[StoredEvent]) -> None:
        if events:
            for listener in self.listeners:
                listener(events)
