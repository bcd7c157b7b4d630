"""Readiness: every configured adapter answers a small request."""

import logging
from collections.abc import Callable

from adapters.rabbitmq import RabbitMQProbe
from application.ports import EventStore
from application.read_models import ReadModels

log = logging.getLogger(__name__)
OK = "ok"


class Readiness:
    """The event store and the read models always; the broker when one is configured."""

    def __init__(self, store: EventStore, read_models: ReadModels, broker: RabbitMQProbe | None = None) -> None:
        self.probes: dict[str, Callable[[], object]] = {
            "eventStore": lambda: store.owner_of("readiness-probe"),
            "readModels": read_models.checkpoints,
        }
        if broker is not None:
            self.probes["broker"] = broker.check

    def check(self) -> dict[str, str]:
        """Each adapter's name and "ok", or why it failed."""
        return {name: _outcome(name, probe) for name, probe in self.probes.items()}


def _outcome(name: str, probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as error:  # noqa: BLE001 - readiness reports any failure as not ready
        log.warning("readiness: %s failed: %s", name, error)
        return f"failed: {error}"
    return OK
