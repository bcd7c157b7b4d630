"""Observability over HTTP: Prometheus metrics, the correlation id from request to event and log,
and readiness that names the adapter that fails."""

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.server import Client, free_port, ok, problem, running_server, unique

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
PROJECTIONS = {"catalog", "category_tree", "price_history"}


def scrape(client: Client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def named(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: sample for (sample_name, labels), sample in samples.items() if sample_name == name}


def test_metrics_count_commands_by_outcome_the_events_appended_and_the_latency_by_route(admin: Client):
    before = scrape(admin)
    sku = unique("METRIC")
    ok(admin.post("/products", {"sku": sku, "name": "Counted"}), 201)
    problem(admin.post("/products", {"sku": sku, "name": "Same SKU"}), 409)
    problem(admin.post("/products", {"sku": unique("METRIC"), "name": "Lost", "categoryIds": [str(uuid.uuid4())]}),
            422)
    problem(admin.post("/products", {"name": "No SKU"}), 422)  # refused by the schema: no command is built
    after = scrape(admin)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("product_service_commands_total", command="CreateProduct", outcome="accepted") == 1
    assert delta("product_service_commands_total", command="CreateProduct", outcome="rejected") == 2
    assert delta("product_service_events_appended_total", aggregate="product", event="ProductCreated") == 1
    route = {"endpoint": "/api/v1/products", "method": "POST"}
    assert delta("http_requests_total", status="422", **route) == 2
    assert delta("http_request_duration_seconds_count", **route) == 4
    assert value(after, "http_request_duration_seconds_bucket", le="+Inf", **route) == value(
        after, "http_request_duration_seconds_count", **route)
    assert not any(dict(labels)["endpoint"] == f"/api/v1/products/{sku}"
                   for labels in named(after, "http_request_duration_seconds_count"))


def test_metrics_show_the_projection_lag_and_on_dynamodb_its_requests_and_capacity(
        admin: Client, request: pytest.FixtureRequest):
    before = scrape(admin)
    ok(admin.post("/products", {"sku": unique("LAG"), "name": "Projected"}), 201)
    after = scrape(admin)

    lag = {dict(labels)["projection"]: events
           for labels, events in named(after, "product_service_projection_lag_events").items()}
    assert lag == dict.fromkeys(PROJECTIONS, 0)  # embedded projection: caught up after each command
    assert named(after, "product_service_relay_backlog_events") == {}  # no broker, no relay
    requests = named(after, "product_service_dynamodb_requests_total")
    capacity = named(after, "product_service_dynamodb_capacity_units_total")
    if request.node.callspec.params["server"] == "dynamodb":
        writes = {"operation": "TransactWriteItems"}
        assert value(after, "product_service_dynamodb_requests_total", **writes) > value(
            before, "product_service_dynamodb_requests_total", **writes)
        assert {dict(labels)["kind"] for labels in capacity} == {"read", "write"}
        assert {dict(labels)["operation"] for labels in capacity} == {dict(labels)["operation"] for labels in requests}
    else:
        assert requests == capacity == {}


def log_lines(data_dir: Path) -> list[dict[str, Any]]:
    """The server's log: every line a JSON object."""
    lines = (data_dir / "server.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_correlation_id_goes_from_the_request_to_the_response_the_events_and_the_log(tmp_path: Path):
    data_dir = tmp_path / "correlated"
    data_dir.mkdir()
    with running_server(data_dir) as base:
        alice = Client(base, "alice", ("admin",))
        created = alice.post("/products", {"sku": unique("CORR"), "name": "Traced"},
                             headers={"X-Correlation-ID": "abc-123"})
        history = ok(alice.get(f"/products/{ok(created, 201)['id']}/history"))
        unnamed = alice.get("/health")

    assert created.headers["X-Correlation-ID"] == "abc-123"
    assert [item["correlationId"] for item in history["items"]] == ["abc-123"]
    assert uuid.UUID(unnamed.headers["X-Correlation-ID"])  # made up when the client sends none
    lines = log_lines(data_dir)
    traced = [line for line in lines if line.get("correlation_id") == "abc-123"]
    assert [line for line in traced if line["logger"] == "product_service.access"] == [{
        **traced[-1], "level": "INFO", "method": "POST", "path": "/api/v1/products", "status": 201,
        "user": "alice"}]
    assert isinstance(traced[-1]["duration_ms"], float) and traced[-1]["time"].endswith("+00:00")
    health = [line for line in lines if line.get("path") == "/api/v1/health"]
    assert unnamed.headers["X-Correlation-ID"] in {line["correlation_id"] for line in health}


def test_readiness_names_the_broker_when_it_cannot_be_reached(tmp_path: Path):
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"
    with running_server(tmp_path, {"PRODUCT_SERVICE_BROKER": "rabbitmq", "AMQP_URL": closed}) as base:
        response = Client(base, "ops", ("viewer",)).get("/ready")

    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "not ready"
    assert (body["checks"]["eventStore"], body["checks"]["readModels"]) == ("ok", "ok")
    assert body["checks"]["broker"].startswith("failed: RabbitMQ at 127.0.0.1:")
