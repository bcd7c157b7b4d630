"""Counts the commands the message bus handled, by type and outcome, and the events they appended."""

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter

from application.envelope import StoredEvent


class PrometheusCommandMetrics:
    """The message bus's CommandObserver: two counters in the container's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.commands = Counter("product_service_commands", "Commands handled, by type and outcome",
                                ["command", "outcome"], registry=registry)
        self.events = Counter("product_service_events_appended", "Events appended, by aggregate and event type",
                              ["aggregate", "event"], registry=registry)

    def command_handled(self, command_type: str, outcome: str, events: Sequence[StoredEvent]) -> None:
        self.commands.labels(command_type, outcome).inc()
        for event in events:
            self.events.labels(event.aggregate_type, event.event_type).inc()
