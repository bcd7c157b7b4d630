"""Log lines are written in batches, but never lost and never late past the interval."""

import io
import json
import logging
import os
import time

import pytest
from pythonjsonlogger.orjson import OrjsonFormatter

from entrypoints.log_output import AccessLog, BatchingStreamHandler


def logger_to(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test-batching-{id(handler)}")
    logger.propagate = False
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    return logger


def test_info_lines_are_written_together_within_the_interval():
    stream = io.StringIO()
    logger = logger_to(BatchingStreamHandler(stream, interval_s=0.05))

    for number in range(3):
        logger.info("line %d", number)
    right_away = stream.getvalue()
    time.sleep(0.3)

    assert right_away == ""
    assert stream.getvalue() == "line 0\nline 1\nline 2\n"


def test_a_warning_is_written_at_once_with_what_was_queued_before_it():
    stream = io.StringIO()
    logger = logger_to(BatchingStreamHandler(stream, interval_s=60))

    logger.info("first")
    logger.warning("trouble")

    assert stream.getvalue() == "first\ntrouble\n"


def test_a_full_batch_is_written_at_once_and_flush_writes_the_rest():
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval_s=60, capacity=2)
    logger = logger_to(handler)

    for number in range(3):
        logger.info("%d", number)
    after_two = stream.getvalue()
    handler.flush()

    assert after_two == "0\n1\n"
    assert stream.getvalue() == "0\n1\n2\n"


def test_a_forked_child_writes_its_own_lines_and_not_its_parents():
    read_end, write_end = os.pipe()
    stream = os.fdopen(write_end, "w")
    logger = logger_to(BatchingStreamHandler(stream, interval_s=0.05))
    logger.info("parent, queued before the fork")

    child = os.fork()
    if child == 0:
        logger.info("child")
        time.sleep(0.3)
        os._exit(0)
    os.waitpid(child, 0)
    logger.handlers[0].flush()
    stream.close()

    lines = os.fdopen(read_end).read().splitlines()
    assert sorted(lines) == ["child", "parent, queued before the fork"]


@pytest.fixture
def root_logging():
    """Lets a test configure the root logger, and puts it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers = handlers
    root.setLevel(level)


def test_an_access_line_is_the_json_object_a_logged_record_would_be(root_logging):
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval_s=60)
    handler.setFormatter(OrjsonFormatter("{levelname}{name}{message}", style="{", timestamp="time",
                                         rename_fields={"levelname": "level", "name": "logger"}))
    root_logging.handlers = [handler]
    root_logging.setLevel(logging.INFO)
    fields = {"method": "GET", "path": "/api/v1/health", "status": 200, "duration_ms": 0.42, "user": None}

    AccessLog().request(**fields, correlation_id="abc-123")
    logging.getLogger(AccessLog.LOGGER).info("GET /api/v1/health 200", extra={**fields, "correlation_id": "abc-123"})
    handler.flush()

    direct, logged = (json.loads(line) for line in stream.getvalue().splitlines())
    assert direct.pop("time").endswith("+00:00") and logged.pop("time").endswith("+00:00")
    assert direct == logged == {"level": "INFO", "logger": "product_service.access",
                                "message": "GET /api/v1/health 200", **fields, "correlation_id": "abc-123"}


def test_no_access_line_below_the_configured_level(root_logging):
    stream = io.StringIO()
    handler = BatchingStreamHandler(stream, interval_s=60)
    root_logging.handlers = [handler]
    root_logging.setLevel(logging.WARNING)

    AccessLog().request("GET", "/api/v1/health", 200, 0.4, None, "abc")
    handler.flush()

    assert stream.getvalue() == ""
