"""Gauges and counters read at scrape time from what the service already keeps.

Each collector reads little (a head and a checkpoint per shard, or counters in memory) and never
lets a failing read fail the scrape: its families are then sent without samples and the failure
is logged.
"""

import logging
from collections.abc import Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from adapters.dynamodb import DynamoDBUsage
from application.ports import Outbox
from application.projections import Projector

log = logging.getLogger(__name__)


def create_metrics_registry(collectors: Sequence[Collector | None] = ()) -> CollectorRegistry:
    """A registry of its own (never the global default) with the configured collectors."""
    registry = CollectorRegistry()
    for collector in collectors:
        if collector is not None:
            registry.register(collector)
    return registry


class _ProbingCollector:
    """`describe` gives the families without samples (the registry checks names with them);
    `measure` gives them filled, reading what it must."""

    def describe(self) -> Sequence[Metric]:
        raise NotImplementedError

    def measure(self) -> Sequence[Metric]:
        raise NotImplementedError

    def collect(self) -> Sequence[Metric]:
        try:
            return self.measure()
        except Exception:  # noqa: BLE001 - one failing probe must not fail the scrape
            log.warning("metrics: %s failed; its samples are left out of this scrape", type(self).__name__,
                        exc_info=True)
            return self.describe()


class ProjectionLagCollector(_ProbingCollector):
    """Events committed but not yet applied, per projection."""

    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    def describe(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily("product_service_projection_lag_events",
                                  "Events in the feed that the projection has not applied yet", labels=["projection"])]

    def measure(self) -> list[GaugeMetricFamily]:
        [lag] = self.describe()
        for status in self.projector.status():
            lag.add_metric([status.name], status.lag)
        return [lag]


class RelayBacklogCollector(_ProbingCollector):
    """Events committed but not yet confirmed by the broker, per feed shard."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def describe(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily("product_service_relay_backlog_events",
                                  "Events in the feed the relay has not had confirmed by the broker yet",
                                  labels=["shard"])]

    def measure(self) -> list[GaugeMetricFamily]:
        [backlog] = self.describe()
        for shard, events in sorted(self.outbox.backlog().items()):
            backlog.add_metric([str(shard)], events)
        return [backlog]


class DynamoDBUsageCollector(_ProbingCollector):
    """What the DynamoDB stores of this process asked for: requests and consumed capacity."""

    def __init__(self, usage: DynamoDBUsage) -> None:
        self.usage = usage

    def describe(self) -> list[CounterMetricFamily]:
        return [CounterMetricFamily("product_service_dynamodb_requests", "DynamoDB requests sent, by operation",
                                    labels=["operation"]),
                CounterMetricFamily("product_service_dynamodb_capacity_units",
                                    "DynamoDB capacity units consumed, by operation and kind (read or write)",
                                    labels=["operation", "kind"])]

    def measure(self) -> list[CounterMetricFamily]:
        requests, capacity = self.describe()
        for operation, totals in sorted(self.usage.by_operation().items()):
            requests.add_metric([operation], totals.requests)
            capacity.add_metric([operation, "read"], totals.read_units)
            capacity.add_metric([operation, "write"], totals.write_units)
        return [requests, capacity]
