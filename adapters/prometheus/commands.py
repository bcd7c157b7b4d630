"""Counts the commands the message bus handled, by type and outcome, and the events they appended."""

from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from application.envelope import StoredEvent


class PrometheusCommandMetrics:
    """The message bus's CommandObserver: two counters in the container's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.commands = Counter("product_service_commands", "Commands handled, by type and outcome",
                                ["command", "outcome"], registry=registry)
        self.events = Counter("product_service_events_appended", "Events appended, by aggregate and event type",
                              ["aggregate", "event"], registry=registry)

        # label values -> child: labels() validates and takes a lock on every call; a child is
        # created once and lives as long as its counter, so a plain dict can keep it
        self._children: dict[tuple[Counter, str, str], Any] = {}

    def command_handled(self, command_type: str, outcome: str, events: Sequence[StoredEvent]) -> None:
        self._child(self.commands, command_type, outcome).inc()
        for event in events:
            self._child(self.events, event.aggregate_type, event.event_type).inc()

    def _child(self, counter: Counter, first: str, second: str) -> Any:
        child = self._children.get((counter, first, second))
        if child is None:
            child = self._children[counter, first, second] = counter.labels(first, second)
        return child
