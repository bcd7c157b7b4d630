"""A server worker's start (gunicorn's post_worker_init): it ends with the worker's start-up
heap frozen (see entrypoints.heap), after the outbox relay has started where there is one."""

import gc
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from entrypoints.containers import build_container, init_stores
from entrypoints.http.server import gunicorn_options
from entrypoints.settings import load_settings
from tests.rabbitmq_broker import fresh_vhost, url_for_vhost


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def _started_worker(environ: dict[str, str]) -> tuple[dict[str, object], SimpleNamespace]:
    settings = load_settings(environ)
    container = build_container(settings)
    init_stores(container)
    options = gunicorn_options(settings, "127.0.0.1", 0, workers=1, threads=1)
    worker = SimpleNamespace(wsgi=SimpleNamespace(extensions={"container": container}))
    assert gc.get_freeze_count() == 0
    options["post_worker_init"](worker)  # type: ignore[operator]
    return options, worker


def test_a_worker_has_frozen_its_start_up_heap_once_started(tmp_path: Path, unfrozen: None) -> None:
    _, worker = _started_worker({"PRODUCT_SERVICE_DATA_DIR": str(tmp_path)})

    assert gc.get_freeze_count() > 0
    assert not hasattr(worker, "outbox_relay")  # no broker, no relay


def test_a_worker_with_a_broker_starts_its_relay_and_freezes_its_heap(tmp_path: Path, unfrozen: None) -> None:
    with fresh_vhost() as vhost:
        options, worker = _started_worker({"PRODUCT_SERVICE_DATA_DIR": str(tmp_path),
                                           "PRODUCT_SERVICE_BROKER": "rabbitmq", "AMQP_URL": url_for_vhost(vhost)})
        try:
            assert gc.get_freeze_count() > 0
            assert worker.outbox_relay is not None
        finally:
            options["worker_exit"](None, worker)  # type: ignore[operator]
