"""The collectors read at scrape time: what they expose, and a failing probe that fails no scrape."""

import logging

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from adapters.dynamodb import DynamoDBUsage
from adapters.memory import MemoryEventStore
from adapters.prometheus import DynamoDBUsageCollector, RelayBacklogCollector, create_metrics_registry
from application.errors import StoreUnavailable


class UnreachableOutbox(MemoryEventStore):
    def backlog(self) -> dict[int, int]:
        raise StoreUnavailable("the event store is down")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_the_dynamodb_usage_is_exposed_per_operation_and_capacity_kind():
    usage = DynamoDBUsage()
    usage.record("Query", {"CapacityUnits": 1.5})
    usage.record("Query", {"CapacityUnits": 0.5})
    usage.record("TransactWriteItems", [{"CapacityUnits": 4.0}, {"CapacityUnits": 2.0}])

    scraped = samples(generate_latest(create_metrics_registry([DynamoDBUsageCollector(usage)])).decode())

    capacity = "product_service_dynamodb_capacity_units_total"
    assert scraped == {
        ("product_service_dynamodb_requests_total", (("operation", "Query"),)): 2,
        ("product_service_dynamodb_requests_total", (("operation", "TransactWriteItems"),)): 1,
        (capacity, (("kind", "read"), ("operation", "Query"))): 2.0,
        (capacity, (("kind", "write"), ("operation", "Query"))): 0.0,
        (capacity, (("kind", "read"), ("operation", "TransactWriteItems"))): 0.0,
        (capacity, (("kind", "write"), ("operation", "TransactWriteItems"))): 6.0,
    }


def test_the_relay_backlog_is_exposed_per_shard():
    store = MemoryEventStore()

    text = generate_latest(create_metrics_registry([RelayBacklogCollector(store)])).decode()

    assert samples(text) == {("product_service_relay_backlog_events", (("shard", "0"),)): 0}


def test_a_probe_that_fails_leaves_its_samples_out_and_the_scrape_whole(caplog):
    usage = DynamoDBUsage()
    usage.record("GetItem", {"CapacityUnits": 0.5})
    registry = create_metrics_registry([RelayBacklogCollector(UnreachableOutbox()), DynamoDBUsageCollector(usage)])

    with caplog.at_level(logging.WARNING):
        text = generate_latest(registry).decode()

    assert "# TYPE product_service_relay_backlog_events gauge" in text
    assert not any(name == "product_service_relay_backlog_events" for name, _ in samples(text))
    assert samples(text)[("product_service_dynamodb_requests_total", (("operation", "GetItem"),))] == 1
    assert "RelayBacklogCollector failed" in caplog.text
