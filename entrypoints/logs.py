"""Structured logs: one JSON object per line on stderr, each record made while a request or a
command message is handled carrying its correlation id."""

import logging
import random
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from pythonjsonlogger.orjson import OrjsonFormatter

from entrypoints.log_output import BatchingStreamHandler

CORRELATION_ID_MAX = 200
# A context variable is the one piece of module state here: it must be created once per process,
# and its value belongs to the thread (or task) that handles the request or message.
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def configure_logging(level: str) -> None:
    """Sends every record to stderr as JSON; called once by each long-running CLI command."""
    handler = BatchingStreamHandler(sys.stderr)
    handler.setFormatter(OrjsonFormatter("{levelname}{name}{message}", style="{", timestamp="time",
                                         rename_fields={"levelname": "level", "name": "logger"}))
    handler.addFilter(CorrelationIdFilter())
    # the lines carry no thread, process or source location: skip gathering them for every
    # record (the logging HOWTO's "Optimization" section), a good part of an access line's cost
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # type: ignore[attr-defined]
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("pika").setLevel(max(logging.WARNING, root.level))


class CorrelationIdFilter(logging.Filter):
    """Adds `correlation_id` to a record made inside `correlated` (or a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        correlation_id = _correlation_id.get()
        if correlation_id is not None and not hasattr(record, "correlation_id"):
            record.correlation_id = correlation_id
        return True


def correlation_id_from(given: str | None) -> str:
    """The caller's correlation id (cut to a sane length), or a fresh one when it sent none."""
    return (given or "")[:CORRELATION_ID_MAX] or str(uuid.UUID(int=random.getrandbits(128), version=4))


def bind_correlation_id(correlation_id: str) -> Token[str | None]:
    """Tags the records of this context with the id until `unbind_correlation_id`."""
    return _correlation_id.set(correlation_id)


def unbind_correlation_id(token: Token[str | None]) -> None:
    _correlation_id.reset(token)


@contextmanager
def correlated(correlation_id: str) -> Iterator[str]:
    """The records made inside carry `correlation_id`."""
    token = bind_correlation_id(correlation_id)
    try:
        yield correlation_id
    finally:
        unbind_correlation_id(token)
