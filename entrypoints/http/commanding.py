"""Runs a command for a request: who is acting, If-Match, Idempotency-Key and the answer.

A command sent with an Idempotency-Key is named after the key and the request: its events carry
that name as their causation id, and the key is claimed in the same atomic write. A retry finds
the key taken and the first answer stored, or, should the first request not have lived to store
it (the process died, or the store of answers failed, after the events were committed), finds
the events of that name and renders the answer from them, as the first request would have: the
entity as it stands now (as a first answer shows it once later writes got in first). Either way
it adds no event.
"""

import hashlib
import uuid
from collections.abc import Callable

from flask import Response, g, request

from application.command_names import caused_by, derived_id
from application.errors import ConcurrencyError, DuplicateCommand
from application.messagebus import CommandResult, MessageBus
from application.ports import CommandResponses, EventStore, StoredResponse
from application.unit_of_work import CommandContext
from domain.commands import Command
from entrypoints.http.problems import Problem

IDEMPOTENCY_KEY_MAX = 200
REPLAY_WAIT_S = 5.0  # for the answer of a first request still in flight, before rendering it anew
KEYED_COMMANDS = uuid.UUID("0b6f3c1e-8d47-4a52-9e0a-6c2f5d7b1a38")  # names keyed commands (uuid5)


def correlation_id() -> str:
    """The request's correlation id, the one echoed in X-Correlation-ID (see observability)."""
    return str(g.correlation_id)


def expected_version() -> int | None:
    """The version named by If-Match (`"3"`, or `W/"3"`); None when absent or `*`."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise Problem(412, "Precondition failed", f"If-Match {header!r} does not name a version")
    return int(tag)


def etag(response: Response, version: int) -> Response:
    response.set_etag(str(version))
    return response


class CommandRunner:
    def __init__(self, bus: MessageBus, responses: CommandResponses, store: EventStore) -> None:
        self.bus = bus
        self.responses = responses
        self.store = store

    def new_id(self, role: str) -> str:
        """The id of an entity (`role`: a product, say) the request creates without naming it:
        for a request sent with an Idempotency-Key, the same on every retry of it, so that the
        retry's command names the same entity (and stream) as the first request's."""
        key = self._idempotency_key()
        return derived_id(_command_name(key, self._fingerprint()), role) if key else str(uuid.uuid4())

    def run(self, command: Command, render: Callable[[CommandResult], Response]) -> Response:
        key = self._idempotency_key()
        fingerprint = self._fingerprint() if key else ""  # only a keyed request is compared with its retries
        if key and (stored := self.responses.get(key)):
            return self._replay(stored, fingerprint)
        name = _command_name(key, fingerprint) if key else str(uuid.uuid4())
        context = CommandContext(g.principal.user_id, correlation_id(), name, key)
        try:
            result = self.bus.handle(command, context)
        except DuplicateCommand:
            return self._first_answer(key or "", command, name, render, fingerprint)
        except ConcurrencyError as error:
            if request.headers.get("If-Match") is not None:
                raise Problem(412, "Precondition failed", str(error)) from None
            raise
        return self._stored(key, render(result), fingerprint)

    def _stored(self, key: str | None, response: Response, fingerprint: str) -> Response:
        if key:
            self.responses.put(key, StoredResponse(fingerprint, response.status_code,
                                                   response.get_data(as_text=True), dict(response.headers)))
        return response

    def _first_answer(self, key: str, command: Command, name: str, render: Callable[[CommandResult], Response],
                      fingerprint: str) -> Response:
        """The answer to the request that carried the command out: the one it stored (waited
        for a while, should it still be in flight), or else rendered anew from the events it
        caused, and stored for the next retry. No such events: the key's command was another
        request's."""
        if stored := self.responses.awaited(key, REPLAY_WAIT_S):
            return self._replay(stored, fingerprint)
        caused = caused_by(self.store, command, name)
        if not caused:
            raise _key_reused()
        response = self._stored(key, render(CommandResult(caused[-1].entity_id, caused[-1].sequence_number, caused)),
                                fingerprint)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    @staticmethod
    def _idempotency_key() -> str | None:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return None
        if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
            raise Problem(400, "Malformed request", f"Idempotency-Key must be 1-{IDEMPOTENCY_KEY_MAX} characters")
        return f"http:{g.principal.user_id}:{key}"  # the AMQP consumer uses amqp:<commandId>

    @staticmethod
    def _fingerprint() -> str:
        digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
        digest.update(request.get_data())
        return digest.hexdigest()

    @staticmethod
    def _replay(stored: StoredResponse, fingerprint: str) -> Response:
        if stored.fingerprint != fingerprint:
            raise _key_reused()
        response = Response(stored.body, status=stored.status, headers=stored.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response


def _command_name(key: str, fingerprint: str) -> str:
    """A keyed command's name: the same for every retry of the same request."""
    return str(uuid.uuid5(KEYED_COMMANDS, f"{key}\n{fingerprint}"))


def _key_reused() -> Problem:
    return Problem(422, "Idempotency-Key reused", "this key was used for a different request")
