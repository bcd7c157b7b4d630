"""What the consumer does with a command message: reply (and ack), dead-letter, or retry later."""

from dataclasses import dataclass
from typing import Any

ACCEPTED = "accepted"
REJECTED = "rejected"


@dataclass(frozen=True)
class Reply:
    """The command was carried out or refused; the answer is stored and goes to `reply_to`."""

    body: dict[str, Any]


@dataclass(frozen=True)
class DeadLetter:
    """The message can never succeed as it is (malformed, unknown, invalid, anonymous)."""

    reason: str


@dataclass(frozen=True)
class Retry:
    """A transient failure (the store is unavailable): the same message may succeed later."""

    reason: str


Outcome = Reply | DeadLetter | Retry


def reply_body(status: str, command_id: str, entity_id: str | None = None, version: int | None = None,
               error: dict[str, str] | None = None) -> dict[str, Any]:
    """The reply message: `{status, commandId, entityId, version, error}`."""
    return {"status": status, "commandId": command_id, "entityId": entity_id, "version": version, "error": error}
