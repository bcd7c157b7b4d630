"""The HTTP entry point: the Flask app (app.py) and the gunicorn server that runs it (server.py)."""

from typing import Any


def serve(*args: Any, **kwargs: Any) -> None:
    """See server.serve; imported on use, so that importing the package stays cheap."""
    from entrypoints.http.server import serve as run

    run(*args, **kwargs)
