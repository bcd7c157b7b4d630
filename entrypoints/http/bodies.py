"""Request bodies: a size limit, and whatever a request's handling left unread is read off
once its answer has gone.

Gunicorn reads at most 64 KiB of an unread body before it reuses a connection; past that it
closes it, and a client still sending (most send the whole body before they read) gets a reset
instead of the answer: a 401, a 413, or the answer of a view that takes no body. So the rest is
read off here, after the answer is written, up to DRAIN_LIMIT_BYTES and for DRAIN_SECONDS at
most: a client that sends less than it announced, or stalls, cannot hold a thread. Past either
bound the connection closes, as gunicorn would close it.

The input stream ends where the body ends (gunicorn's and the test client's do).
"""

import contextlib
import socket
import time
from typing import BinaryIO

from flask import Flask, Response, request

MAX_BODY_BYTES = 1024 * 1024  # the largest JSON body the API takes: far above any real command
DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES
DRAIN_SECONDS = 5.0
CHUNK_BYTES = 8 * 1024  # the deadline is checked between reads: small reads keep it close


def install_body_limits(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # a larger body is refused (413) when read

    @app.after_request
    def _read_off_the_rest_later(response: Response) -> Response:
        if request.content_length or request.headers.get("Transfer-Encoding", "").lower() == "chunked":
            stream, connection = request.environ["wsgi.input"], request.environ.get("gunicorn.socket")
            response.call_on_close(lambda: read_off(stream, connection))
        return response


def read_off(stream: BinaryIO, connection: socket.socket | None = None, limit: int = DRAIN_LIMIT_BYTES,
             seconds: float = DRAIN_SECONDS) -> bool:
    """Reads and drops what is left of the body, up to `limit` bytes and for `seconds`, each
    read bounded by the time left on the client's `connection` (if known): whether it all went.
    A read that times out fails gunicorn's body, and gunicorn then closes the connection."""
    deadline = time.monotonic() + seconds
    before = connection.gettimeout() if connection is not None else None
    read = 0
    try:
        while read < limit:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if connection is not None:
                connection.settimeout(left)
            chunk = stream.read(min(CHUNK_BYTES, limit - read))
            if not chunk:
                return True
            read += len(chunk)
        return False
    except OSError:  # timed out, or the client went away
        return False
    finally:
        if connection is not None:
            with contextlib.suppress(OSError):  # the connection closed meanwhile
                connection.settimeout(before)
