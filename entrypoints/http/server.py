"""Runs the Flask app under gunicorn."""

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from entrypoints.amqp.background import in_process_relay_hooks
from entrypoints.containers import build_container
from entrypoints.heap import freeze_startup_heap
from entrypoints.http.app import create_app
from entrypoints.http.cpu_affinity import AUTO, affinity_hooks
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


def serve(settings: Settings, host: str, port: int, workers: int = 1, threads: int = 8,
          cpu_affinity: str = AUTO) -> None:
    """Serves under gunicorn; each worker builds its own container after the fork."""
    options = gunicorn_options(settings, host, port, workers, threads, cpu_affinity)
    _Gunicorn(app_from_settings(settings), options).run()


def gunicorn_options(settings: Settings, host: str, port: int, workers: int, threads: int,
                     cpu_affinity: str = AUTO) -> dict[str, Any]:
    """`cpu_affinity`: whether each worker keeps to a CPU of its own (see `cpu_affinity`)."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
        "graceful_timeout": 20, "timeout": 60, "logger_class": _JsonGunicornLogger,
        "loglevel": settings.log_level.lower(),
        # one control socket per home directory would be shared by every server started
        # there; the server is managed with signals (TERM stops it gracefully) instead
        "control_socket_disable": True}
    hooks = in_process_relay_hooks() if settings.broker == "rabbitmq" else {}  # the relay, while leased
    options.update(hooks)
    options.update(affinity_hooks(cpu_affinity, workers))
    options["post_worker_init"] = _then_frozen(hooks.get("post_worker_init"))
    return options


def _then_frozen(post_worker_init: Callable[[Any], None] | None) -> Callable[[Any], None]:
    """A worker's start, ending with its heap frozen (see `heap`): its app is loaded by then."""
    def started(worker: Any) -> None:
        if post_worker_init is not None:
            post_worker_init(worker)
        freeze_startup_heap()
    return started
