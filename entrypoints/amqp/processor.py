"""Carries out one command message: validates it, runs it through the message bus, and decides
the outcome, with the reply stored before the message is acknowledged.

A command is carried out once per commandId: its idempotency key (`amqp:<commandId>`) is
claimed in the same atomic write as its events, and its reply is stored under the same key.
A redelivery finds the stored reply; one that comes after a crash between the write and the
stored reply is answered from the event store (the stream's event caused by the command).
"""

import hashlib
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from marshmallow import ValidationError

from application.command_names import caused_by
from application.errors import ConcurrencyError, DuplicateCommand, StoreUnavailable
from application.handlers import stream_of
from application.messagebus import MessageBus
from application.ports import CommandResponses, EventStore, StoredResponse
from application.unit_of_work import CommandContext
from domain.commands import Command
from entrypoints.amqp.command_types import COMMAND_TYPES, CommandType
from entrypoints.amqp.outcomes import ACCEPTED, REJECTED, DeadLetter, Outcome, Reply, Retry, reply_body
from entrypoints.amqp.rejections import REFUSAL_TYPES, refusal

log = logging.getLogger(__name__)
COMMAND_ID_MAX = 200
STATUS_OF = {ACCEPTED: 200, REJECTED: 409}


@dataclass(frozen=True)
class CommandMessage:
    """What the consumer takes from a delivery: the body and the properties that matter."""

    body: bytes
    user_id: str | None
    correlation_id: str | None


@dataclass(frozen=True)
class _Parsed:
    command_id: str
    kind: CommandType
    command: Command
    fingerprint: str

    @property
    def key(self) -> str:
        """The idempotency key: of the claim with the events, and of the stored reply."""
        return f"amqp:{self.command_id}"


class CommandProcessor:
    """Turns a command message into its outcome; the consumer does the messaging around it."""

    def __init__(self, bus: MessageBus, responses: CommandResponses, store: EventStore,
                 command_types: Mapping[str, CommandType] = COMMAND_TYPES,
                 retry_delays_s: Sequence[float] = (0.2, 0.5, 1.0), duplicate_wait_s: float = 2.0) -> None:
        self.bus = bus
        self.responses = responses
        self.store = store
        self.command_types = command_types
        self.retry_delays_s = tuple(retry_delays_s)
        self.duplicate_wait_s = duplicate_wait_s

    def handle(self, message: CommandMessage) -> Reply | DeadLetter:
        """The outcome of the message, transient failures retried after each of the delays;
        a failure that outlasts them is dead-lettered. Never raises for any input."""
        outcome = self._attempt(message)
        for delay in self.retry_delays_s:
            if not isinstance(outcome, Retry):
                break
            log.warning("command failed for a transient reason (%s); retrying in %.1fs", outcome.reason, delay)
            time.sleep(delay)
            outcome = self._attempt(message)
        if isinstance(outcome, Retry):
            return DeadLetter(f"transient failure after {len(self.retry_delays_s) + 1} attempts: {outcome.reason}")
        return outcome

    def _attempt(self, message: CommandMessage) -> Outcome:
        try:
            parsed = self.parse(message)
            if isinstance(parsed, DeadLetter):
                return parsed
            return self.process(parsed, message)
        except StoreUnavailable as error:
            return Retry(str(error))
        except Exception as error:  # a fault of ours must not stop the consumer: retried, then dead-lettered
            log.exception("processing a command failed")
            return Retry(f"internal error: {error!r}")

    def parse(self, message: CommandMessage) -> _Parsed | DeadLetter:
        """The command a message asks for, or why it can never be carried out."""
        if not message.user_id:
            return DeadLetter("missing user_id: the acting user must be the message's user_id property")
        try:
            envelope = orjson.loads(message.body)
        except orjson.JSONDecodeError as error:
            return DeadLetter(f"malformed JSON: {error}")
        if not isinstance(envelope, dict) or set(envelope) != {"commandType", "commandId", "payload"}:
            return DeadLetter("malformed command: a JSON object with exactly commandType, commandId and payload")
        name, command_id, payload = envelope["commandType"], envelope["commandId"], envelope["payload"]
        if not isinstance(command_id, str) or not 1 <= len(command_id) <= COMMAND_ID_MAX:
            return DeadLetter(f"malformed command: commandId must be a string of 1-{COMMAND_ID_MAX} characters")
        kind = self.command_types.get(name) if isinstance(name, str) else None
        if kind is None:
            return DeadLetter(f"unknown commandType {name!r}")
        try:
            loaded = kind.schema.load(payload)
        except ValidationError as error:
            return DeadLetter(f"invalid payload: {orjson.dumps(error.messages).decode()}")
        return _Parsed(command_id, kind, kind.build(loaded, command_id), _fingerprint(name, payload))

    def process(self, parsed: _Parsed, message: CommandMessage) -> Outcome:
        """Runs a valid command once per commandId; the reply is stored before it is returned."""
        stored = self.responses.get(parsed.key)
        if stored is not None:
            return self._replayed(stored, parsed)
        context = CommandContext(str(message.user_id), message.correlation_id or str(uuid.uuid4()),
                                 parsed.command_id, parsed.key)
        if self._carried_out(context):  # by a delivery that did not live to store its reply
            return self._first_outcome(parsed)
        try:
            result = self.bus.handle(parsed.command, context)
            body = reply_body(ACCEPTED, parsed.command_id, result.entity_id, result.version)
        except DuplicateCommand:
            return self._first_outcome(parsed)
        except REFUSAL_TYPES as error:
            if self._carried_out(context):  # a concurrent delivery of the same command won
                return self._first_outcome(parsed)
            if isinstance(error, ConcurrencyError) and getattr(parsed.command, "expected_version", None) is None:
                return Retry(f"lost races to other writers: {error}")
            body = reply_body(REJECTED, parsed.command_id, stream_of(parsed.command), None, refusal(error))
        return self._stored(parsed, body)

    def _carried_out(self, context: CommandContext) -> bool:
        """Whether the command's key is claimed: its events are in the store."""
        return context.idempotency_claim is not None and self.store.owner_of(context.idempotency_claim) is not None

    def _stored(self, parsed: _Parsed, body: dict[str, Any]) -> Reply:
        response = StoredResponse(parsed.fingerprint, STATUS_OF[body["status"]], orjson.dumps(body).decode())
        self.responses.put(parsed.key, response)
        return Reply(body)

    def _replayed(self, stored: StoredResponse, parsed: _Parsed) -> Reply:
        if stored.fingerprint != parsed.fingerprint:
            return Reply(reply_body(REJECTED, parsed.command_id, error={
                "code": "command_id_reused", "message": "this commandId was used for a different command"}))
        body: dict[str, Any] = orjson.loads(stored.body)
        return Reply(body)

    def _first_outcome(self, parsed: _Parsed) -> Outcome:
        """The reply to the delivery that carried the command out: stored by it (wait a little if
        it is still in flight), or else rebuilt from the event it appended."""
        if (stored := self.responses.awaited(parsed.key, self.duplicate_wait_s)) is not None:
            return self._replayed(stored, parsed)
        caused = caused_by(self.store, parsed.command, parsed.command_id)
        if not caused:
            return Retry(f"command {parsed.command_id} was carried out but its events are not visible yet")
        return self._stored(parsed, reply_body(ACCEPTED, parsed.command_id, caused[-1].entity_id,
                                               caused[-1].sequence_number))


def _fingerprint(command_type: str, payload: Any) -> str:
    digest = hashlib.sha256(command_type.encode())
    digest.update(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()
