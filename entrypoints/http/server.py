"""Runs the Flask app under gunicorn."""

from typing import Any

from flask import Flask
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


def app_from_settings(settings: Settings) -> Flask:
    return create_app(build_container(settings))


def serve(settings: Settings, host: str, port: int, workers: int = 1, threads: int = 8) -> None:
    """Serves under gunicorn; each worker builds its own container after the fork."""
    options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
               "graceful_timeout": 20, "timeout": 60}
    if settings.broker == "rabbitmq":  # each worker runs the outbox relay while it holds the relay lease
        options.update(in_process_relay_hooks())
    _Gunicorn(app_from_settings(settings), options).run()
