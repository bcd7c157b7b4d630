"""The relay under its lease: in the foreground (`product-service relay`) or in a daemon thread
of each HTTP server worker (PRODUCT_SERVICE_BROKER=rabbitmq), where the lease lets only one
worker of the host relay at a time and another take over when it exits."""

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from entrypoints.amqp.lease import RelayLease
from entrypoints.amqp.relay import OutboxRelay

log = logging.getLogger(__name__)
LEASE_FILE = "relay.lock"
LEASE_RETRY_S = 1.0


def lease_for(data_dir: str) -> RelayLease:
    """The relay lease of a data directory."""
    return RelayLease(Path(data_dir) / LEASE_FILE)


def relay_while_leased(relay: OutboxRelay, lease: RelayLease, stop: threading.Event,
                       on_waiting: Callable[[], None] | None = None) -> None:
    """Waits for the lease, then relays until `stop` is set."""
    while not lease.try_acquire():
        if on_waiting is not None:
            on_waiting()
            on_waiting = None
        if stop.wait(LEASE_RETRY_S):
            return
    try:
        relay.run(stop)
    finally:
        lease.release()


class BackgroundRelay:
    """The relay in a daemon thread of this process."""

    def __init__(self, relay: OutboxRelay, lease: RelayLease) -> None:
        self.relay = relay
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)

    def start(self) -> None:
        """Starts the thread: it waits for the lease, then relays."""
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Lets the batch in hand finish, closes the connection and gives the lease back."""
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            relay_while_leased(self.relay, self.lease, self._stop)
        except Exception:
            log.exception("the in-process outbox relay stopped; `product-service relay` can take over")


def in_process_relay_hooks() -> dict[str, Callable[..., None]]:
    """Gunicorn server hooks that run the relay in each worker (one at a time, by the lease)."""

    def post_worker_init(worker: Any) -> None:
        container = worker.wsgi.extensions["container"]
        relay = BackgroundRelay(container.outbox_relay(), lease_for(container.config.data_dir()))
        relay.start()
        worker.outbox_relay = relay

    def worker_exit(server: Any, worker: Any) -> None:
        relay = getattr(worker, "outbox_relay", None)
        if relay is not None:
            relay.stop()

    return {"post_worker_init": post_worker_init, "worker_exit": worker_exit}
