"""What the message bus tells an observer about each command it handles (metrics live outside)."""

from collections.abc import Sequence
from typing import Protocol

from application.envelope import StoredEvent
from application.errors import (
    ApplicationError,
    ConcurrencyError,
    DuplicateCommand,
    StoreUnavailable,
    UnknownEventVersion,
)
from domain.errors import DomainError

ACCEPTED = "accepted"  # the command's events are committed
REJECTED = "rejected"  # a business rule, a missing entity, a taken key: the caller's to fix
CONFLICT = "conflict"  # another writer moved the stream first (retries spent, or the version was pinned)
DUPLICATE = "duplicate"  # a retry of a command already carried out under its idempotency key
ERROR = "error"  # the store failed, or a fault of ours
OUTCOMES = (ACCEPTED, REJECTED, CONFLICT, DUPLICATE, ERROR)


class CommandObserver(Protocol):
    def command_handled(self, command_type: str, outcome: str, events: Sequence[StoredEvent]) -> None:
        """Called once per command the bus handled, with one of OUTCOMES and the events it
        committed (none unless accepted). Must be quick and must not raise."""


def outcome_of(error: BaseException) -> str:
    """The outcome a command that raised `error` had."""
    match error:
        case DuplicateCommand():
            return DUPLICATE
        case ConcurrencyError():
            return CONFLICT
        case StoreUnavailable() | UnknownEventVersion():
            return ERROR
        case DomainError() | ApplicationError():
            return REJECTED
    return ERROR
