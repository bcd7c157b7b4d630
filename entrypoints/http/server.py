"""Runs the Flask app under gunicorn."""

from typing import Any

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from entrypoints.amqp.background import in_process_relay_hooks
from entrypoints.containers import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


class _JsonGunicornLogger(glogging.Logger):  # type: ignore[misc]
    """Gunicorn's own messages go to the root logger, so they leave as JSON lines too; the app
    writes the access lines (gunicorn's access log stays off)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


def app_from_settings(settings: Settings) -> Flask:
    return create_app(build_container(settings))


def serve(settings: Settings, host: str, port: int, workers: int = 1, threads: int = 8) -> None:
    """Serves under gunicorn; each worker builds its own container after the fork."""
    options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
               "graceful_timeout": 20, "timeout": 60, "logger_class": _JsonGunicornLogger,
               "loglevel": settings.log_level.lower(),
               # one control socket per home directory would be shared by every server started
               # there; the server is managed with signals (TERM stops it gracefully) instead
               "control_socket_disable": True}
    if settings.broker == "rabbitmq":  # each worker runs the outbox relay while it holds the relay lease
        options.update(in_process_relay_hooks())
    _Gunicorn(app_from_settings(settings), options).run()
