"""Request bodies: a size limit, and whatever a request's handling left unread is read off
before its answer goes.

Gunicorn reads at most 64 KiB of an unread body before it reuses a connection; past that it
closes it, and a client still sending (most send the whole body before they read) gets a reset
instead of the answer: a 401, a 413, or the answer of a view that takes no body. So the rest is
read here, up to DRAIN_LIMIT_BYTES; beyond that the connection closes, as gunicorn does.
The input stream ends where the body ends (gunicorn's and the test client's do).
"""

from typing import BinaryIO

from flask import Flask, Response, request

MAX_BODY_BYTES = 1024 * 1024  # the largest JSON body the API takes: far above any real command
DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES
CHUNK_BYTES = 64 * 1024


def install_body_limits(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # a larger body is refused (413) when read

    @app.after_request
    def _read_off_the_rest(response: Response) -> Response:
        if request.content_length or request.headers.get("Transfer-Encoding", "").lower() == "chunked":
            read_off(request.environ["wsgi.input"], DRAIN_LIMIT_BYTES)
        return response


def read_off(stream: BinaryIO, limit: int) -> bool:
    """Reads and drops what is left of the body, up to `limit` bytes: whether it all went."""
    read = 0
    while read < limit:
        chunk = stream.read(min(CHUNK_BYTES, limit - read))
        if not chunk:
            return True
        read += len(chunk)
    return False
