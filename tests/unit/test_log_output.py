"""Log lines are written in batches, but never lost and never late past the interval."""

import io
import logging
import os
import time

from entrypoints.log_output import BatchingStreamHandler


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
