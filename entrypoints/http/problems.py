"""Every error leaves as application/problem+json (RFC 9457); no bad input ever yields a 500."""

import logging
from typing import Any

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from application import errors as app_errors
from domain import errors as domain_errors
from entrypoints.http.bodies import MAX_BODY_BYTES

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


class Problem(Exception):
    """An HTTP error raised by a view: a status, a title and optional details."""

    def __init__(self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra
        self.headers = headers or {}


def problem_response(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": request.path, **extra}
    return Response(json.dumps(body), status=status, mimetype=PROBLEM)


def _for_exception(error: Exception) -> Response:
    match error:
        case Problem():
            response = problem_response(error.status, error.title, error.detail, **error.extra)
            response.headers.update(error.headers)
            return response
        case domain_errors.InvalidValue():
            return problem_response(422, "Invalid field", str(error), errors={error.field: [error.message]})
        case domain_errors.EntityDeleted() | domain_errors.UnknownPart():
            return problem_response(404, "Not found", str(error))
        case domain_errors.RuleViolation():
            return problem_response(409, "Rule violated", str(error))
        case app_errors.NotFound():
            return problem_response(404, "Not found", str(error))
        case app_errors.MissingReference():
            return problem_response(422, "Unknown reference", str(error), errors={"categoryIds": [str(error)]})
        case app_errors.UniquenessViolation():
            return problem_response(409, "Already taken", str(error))
        case app_errors.AlreadyExists() | app_errors.StillReferenced():
            return problem_response(409, "Conflict", str(error))
        case app_errors.ConcurrencyError():
            return problem_response(409, "Concurrent change", str(error))
        case app_errors.AppendRefused():
            return problem_response(422, "Refused", str(error))
        case app_errors.StoreUnavailable():
            return problem_response(503, "Storage unavailable", str(error))
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, "Internal error", "the error was logged")


def _for_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if status == 422 and messages:
        return problem_response(422, "Invalid fields", "the request has invalid fields",
                                errors=_flatten(messages))
    if status == 413:
        return problem_response(413, "Body too large", f"a request body may be at most {MAX_BODY_BYTES} bytes")
    if status == 400 and messages:
        return problem_response(400, "Malformed request", "the body is not valid JSON", errors=_flatten(messages))
    return problem_response(status, error.name, error.description or "")


def _flatten(messages: Any) -> dict[str, Any]:
    """webargs nests messages by location ({"json": {...}}); clients want the fields."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "view_args", "path"}:
        merged: dict[str, Any] = {}
        for part in messages.values():
            merged.update(part if isinstance(part, dict) else {"_schema": part})
        return merged
    return messages if isinstance(messages, dict) else {"_schema": messages}


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _for_http_exception)
    app.register_error_handler(ValidationError, lambda e: problem_response(
        422, "Invalid fields", "the request has invalid fields", errors=_flatten(e.messages)))
    app.register_error_handler(Exception, _for_exception)
