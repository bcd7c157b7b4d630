"""Prometheus: the command observer and the collectors that read gauges at scrape time."""

from adapters.prometheus.collectors import (
    DynamoDBUsageCollector,
    ProjectionLagCollector,
    RelayBacklogCollector,
    create_metrics_registry,
)
from adapters.prometheus.commands import PrometheusCommandMetrics

__all__ = [
    "DynamoDBUsageCollector",
    "ProjectionLagCollector",
    "PrometheusCommandMetrics",
    "RelayBacklogCollector",
    "create_metrics_registry",
]
