"""The children of labelled metrics, each looked up once per label values."""

from typing import Any

from prometheus_client.metrics import MetricWrapperBase


class LabelledChildren:
    """prometheus_client's labels() validates the values and takes a lock on every call, which
    costs more than the increment it serves; a child is created once and lives as long as its
    metric, so a plain dict can keep it (two threads racing to create one get the same child)."""

    def __init__(self) -> None:
        self._children: dict[tuple[MetricWrapperBase, tuple[str, ...]], Any] = {}

    def of(self, metric: MetricWrapperBase, *values: str) -> Any:
        child = self._children.get((metric, values))
        if child is None:
            child = self._children[metric, values] = metric.labels(*values)
        return child
