"""Runs a command for a request: who is acting, If-Match, Idempotency-Key and the answer."""

import hashlib
import time
import uuid
from collections.abc import Callable

from flask import Response, g, request

from application.errors import ConcurrencyError, DuplicateCommand
from application.messagebus import CommandResult, MessageBus
from application.ports import CommandResponses, StoredResponse
from application.unit_of_work import CommandContext
from domain.commands import Command
from entrypoints.http.problems import Problem

IDEMPOTENCY_KEY_MAX = 200
REPLAY_WAIT_S = 5.0


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
    def __init__(self, bus: MessageBus, responses: CommandResponses) -> None:
        self.bus = bus
        self.responses = responses

    def run(self, command: Command, render: Callable[[CommandResult], Response]) -> Response:
        key = self._idempotency_key()
        fingerprint = self._fingerprint()
        if key and (stored := self.responses.get(key)):
            return self._replay(stored, fingerprint)
        context = CommandContext(g.principal.user_id, correlation_id(), str(uuid.uuid4()), key)
        try:
            result = self.bus.handle(command, context)
        except DuplicateCommand:
            return self._replay(self._wait_for(key or ""), fingerprint)
        except ConcurrencyError as error:
            if request.headers.get("If-Match") is not None:
                raise Problem(412, "Precondition failed", str(error)) from None
            raise
        response = render(result)
        if key:
            self.responses.put(key, StoredResponse(fingerprint, response.status_code,
                                                   response.get_data(as_text=True), dict(response.headers)))
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

    def _wait_for(self, key: str) -> StoredResponse:
        deadline = time.monotonic() + REPLAY_WAIT_S
        while time.monotonic() < deadline:
            if stored := self.responses.get(key):
                return stored
            time.sleep(0.05)
        raise Problem(409, "Request in progress", "a request with this Idempotency-Key is still being processed")

    @staticmethod
    def _replay(stored: StoredResponse, fingerprint: str) -> Response:
        if stored.fingerprint != fingerprint:
            raise Problem(422, "Idempotency-Key reused", "this key was used for a different request")
        response = Response(stored.body, status=stored.status, headers=stored.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response
