"""Counts the commands the message bus handled, by type and outcome, and the events they appended."""

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter

from adapters.prometheus.children import LabelledChildren
from application.envelope import StoredEvent


class PrometheusCommandMetrics:
    """The message bus's CommandObserver: two counters in the container's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.commands = Counter("product_service_commands", "Commands handled, by type and outcome",
                                ["command", "outcome"], registry=registry)
        self.events = Counter("product_service_events_appended", "Events appended, by aggregate and event type",
                              ["aggregate", "event"], registry=registry)

        self._children = LabelledChildren()

    def command_handled(self, command_type: str, outcome: str, events: Sequence[StoredEvent]) -> None:
        self._children.of(self.commands, command_type, outcome).inc()
        for event in events:
            self._children.of(self.events, event.aggregate_type, event.event_type).inc()
