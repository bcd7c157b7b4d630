"""Operations: health, readiness, metrics, and an OpenAPI document that matches what the server does."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.catalog import create_category, create_product
from tests.e2e.server import Client, ok, problem, server_environment

SPEC_ROUTES = {  # SPEC §5, with the server's parameter names
    ("POST", "/products"), ("GET", "/products"), ("GET", "/products/{product_id}"),
    ("PATCH", "/products/{product_id}"), ("POST", "/products/{product_id}/activate"),
    ("POST", "/products/{product_id}/deactivate"), ("POST", "/products/{product_id}/discontinue"),
    ("DELETE", "/products/{product_id}"), ("PUT", "/products/{product_id}/categories/{category_id}"),
    ("DELETE", "/products/{product_id}/categories/{category_id}"), ("GET", "/products/{product_id}/history"),
    ("PUT", "/products/{product_id}/price"), ("GET", "/products/{product_id}/price"),
    ("POST", "/products/{product_id}/discounts"), ("DELETE", "/products/{product_id}/discounts/{discount_id}"),
    ("POST", "/categories"), ("GET", "/categories"), ("GET", "/categories/{category_id}"),
    ("PATCH", "/categories/{category_id}"), ("POST", "/categories/{category_id}/move"),
    ("DELETE", "/categories/{category_id}"), ("GET", "/categories/{category_id}/history"),
    ("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"),
}
WALK_ROUTES = """
import json
from entrypoints.http.server import app_from_settings
from entrypoints.settings import load_settings
app = app_from_settings(load_settings())
print(json.dumps([[m, r.rule] for r in app.url_map.iter_rules() for m in sorted(r.methods - {"HEAD", "OPTIONS"})]))
"""


@pytest.fixture(scope="module")
def openapi(server: str) -> dict[str, Any]:
    document: dict[str, Any] = ok(Client(server, "ops", ("viewer",)).get("/openapi.json"))
    return document


def served_routes(data_dir: Path) -> set[tuple[str, str]]:
    """Every route of the Flask app, as `product-service serve` builds it."""
    walked = subprocess.run([sys.executable, "-c", WALK_ROUTES], env=server_environment(data_dir), text=True,
                            capture_output=True, timeout=60, check=True)
    routes = {(method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)) for method, rule in json.loads(walked.stdout)}
    return {(method, path.removeprefix("/api/v1")) for method, path in routes
            if path.startswith("/api/v1") and path != "/api/v1/openapi.json"}


def operations(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path.removeprefix("/api/v1")): operation
            for path, item in openapi["paths"].items() for method, operation in item.items() if method != "parameters"}


def test_health_is_open_and_ready_and_metrics_need_a_token(server: str, admin: Client):
    anonymous = Client(server, roles=())
    assert ok(anonymous.get("/health")) == {"status": "ok"}
    for path in ("/ready", "/metrics", "/openapi.json"):
        problem(anonymous.get(path), 401)
    ready = ok(admin.get("/ready"))
    assert ready == {"status": "ready", "checks": {"eventStore": "ok", "readModels": "ok"}}


def test_metrics_count_requests_in_prometheus_text(server: str, admin: Client):
    viewer = Client(server, "metrics-viewer", ("viewer",))
    for _ in range(3):
        problem(viewer.get("/products/00000000-0000-4000-8000-000000000000"), 404)

    def count(text: str) -> float:
        line = re.search(r'^http_requests_total\{endpoint="/api/v1/products/<uuid:product_id>",method="GET",'
                         r'status="404"\} (\S+)$', text, re.MULTILINE)
        return float(line.group(1)) if line else 0.0

    before = viewer.get("/metrics")
    assert before.status_code == 200
    content_type = [part.strip() for part in before.headers["Content-Type"].split(";")]
    assert content_type[0] == "text/plain" and content_type.count("charset=utf-8") == 1, content_type
    assert "# TYPE http_requests_total counter" in before.text
    assert "# TYPE http_request_duration_seconds histogram" in before.text
    problem(viewer.get("/products/00000000-0000-4000-8000-000000000000"), 404)
    assert count(viewer.get("/metrics").text) == count(before.text) + 1 >= 4


def test_the_openapi_document_has_every_route_the_server_serves(tmp_path: Path, openapi: dict[str, Any]):
    assert openapi["openapi"].startswith("3.")
    served = served_routes(tmp_path)
    assert served >= SPEC_ROUTES, SPEC_ROUTES - served
    assert set(operations(openapi)) == served


def test_every_operation_documents_its_answer_and_its_errors(openapi: dict[str, Any]):
    for (method, path), operation in operations(openapi).items():
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert len(success) == 1, (method, path, responses)
        if success[0] != "204":
            assert all("schema" in content for content in responses[success[0]]["content"].values()), (method, path)
        expected = set() if path == "/health" else {"401", "403"}
        if "{" in path:
            expected |= {"404"}
        if method != "GET":
            expected |= {"400", "409"}
        if method != "GET" and "{" in path:
            expected |= {"412"}
        if "requestBody" in operation or "parameters" in operation and any(
                parameter["in"] == "query" for parameter in operation["parameters"]):
            expected |= {"422"}
        assert expected <= set(responses), (method, path, expected - set(responses))
        for code in expected:
            assert "application/problem+json" in responses[code]["content"], (method, path, code)


def schema(openapi: dict[str, Any], name: str) -> set[str]:
    return set(openapi["components"]["schemas"][name]["properties"])


def test_the_response_schemas_list_exactly_the_fields_the_server_returns(admin: Client, openapi: dict[str, Any]):
    category = create_category(admin, "Documented")
    product = create_product(admin, "Documented", [category["id"]], price="10.00")
    ok(admin.post(f"/products/{product['id']}/discounts", {"kind": "percentage", "value": "5"}), 201)
    shown = ok(admin.get(f"/products/{product['id']}"))
    rebuilt = ok(admin.get(f"/products/{product['id']}?version=1"))
    assert set(shown) | set(rebuilt) == schema(openapi, "Product")
    assert set(shown["prices"]["EUR"]) == schema(openapi, "PriceView")
    assert set(ok(admin.get("/products?limit=1"))) == schema(openapi, "ProductPage")
    assert set(ok(admin.get(f"/categories/{category['id']}"))) == schema(openapi, "Category")
    assert set(ok(admin.get("/categories"))) == schema(openapi, "CategoryTree")
    pricing = ok(admin.get(f"/products/{product['id']}/price?currency=EUR"))
    assert set(pricing) == schema(openapi, "PriceQuote")
    assert set(pricing["discount"]) == schema(openapi, "DiscountView")
    priced = ok(admin.put(f"/products/{product['id']}/price", {"amount": "11.00", "currency": "EUR"}))
    assert set(priced) == schema(openapi, "Pricing")
    assert set(priced["prices"][0]) == schema(openapi, "CurrencyPrice")
    history = ok(admin.get(f"/products/{product['id']}/history"))
    assert set(history) == schema(openapi, "History") and set(history["items"][0]) == schema(openapi, "Event")
    error = problem(admin.post("/products", {"sku": "bad sku"}), 422)
    assert set(error) == schema(openapi, "Problem")
