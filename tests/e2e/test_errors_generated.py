"""Never a 5xx for bad input: generated garbage against every endpoint gets a 4xx problem+json (or a 2xx)."""

import json
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.catalog import create_category, create_product
from tests.e2e.server import PROBLEM_JSON, Client

UNKNOWN = "00000000-0000-4000-8000-000000000000"
ENDPOINTS = [  # (method, path); {p} a product, {c} a category, {d} a discount
    ("POST", "/products"), ("GET", "/products"), ("GET", "/products/{p}"), ("PATCH", "/products/{p}"),
    ("POST", "/products/{p}/activate"), ("POST", "/products/{p}/deactivate"), ("POST", "/products/{p}/discontinue"),
    ("DELETE", "/products/{p}"), ("PUT", "/products/{p}/categories/{c}"), ("DELETE", "/products/{p}/categories/{c}"),
    ("GET", "/products/{p}/history"), ("PUT", "/products/{p}/price"), ("GET", "/products/{p}/price"),
    ("POST", "/products/{p}/discounts"), ("DELETE", "/products/{p}/discounts/{d}"),
    ("POST", "/categories"), ("GET", "/categories"), ("GET", "/categories/{c}"), ("PATCH", "/categories/{c}"),
    ("POST", "/categories/{c}/move"), ("DELETE", "/categories/{c}"), ("GET", "/categories/{c}/history"),
    ("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"),
]
FIELDS = ["sku", "name", "description", "brand", "attributes", "categoryIds", "id", "amount", "currency",
          "effectiveFrom", "kind", "value", "validFrom", "validUntil", "slug", "parentId", "removeAttributes"]
QUERY = ["category", "status", "q", "minPrice", "maxPrice", "currency", "cursor", "limit", "version", "asOf", "at"]
ODD_TEXT = ["", " ", "x" * 20_000, "19.999", "1e5", "NaN", "-0", "0.00", "9" * 40, "-1", "2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", UNKNOWN, "not-a-uuid",
            "\u0000", "ÿ🙂", "../../etc/passwd", "' OR 1=1 --", "percentage", "fixed", "EUR", "eur", "JPY", "%s%n"]
QUERY_TEXT = [text for text in ODD_TEXT if len(text) < 1000] + ["q" * 1000]  # gunicorn caps the request line at 4 kB
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63) | st.floats() | st.text(max_size=30)
    | st.sampled_from(ODD_TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
field_bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)
bodies = st.one_of(
    field_bodies.map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=64),
    st.sampled_from([b"", b"{", b'{"sku": "\\ud800"}', b"[" * 3000, b'{"a": 1e999}', b"\xff\xfe{}"]),
)
headers = st.fixed_dictionaries({}, optional={
    "If-Match": st.sampled_from(["garbage", '"1"', 'W/"x"', "*", '"99999999999999999999"', ""]) | HEADER_TEXT,
    "Idempotency-Key": st.sampled_from(["k" * 500, "", "k k"]) | HEADER_TEXT,
    "X-Correlation-ID": st.sampled_from(["c" * 3000, ""]) | HEADER_TEXT,
    "Content-Type": st.sampled_from(["application/json", "text/plain", "application/json; charset=utf-16",
                                     "application/x-www-form-urlencoded", "multipart/form-data", "*/*"]),
})


@pytest.fixture(scope="module")
def client(server: str) -> Client:
    # gunicorn drains at most 64 kB of a body the app did not read (a 404, a 401) and then drops the
    # connection it had answered keep-alive on: a fresh connection per request keeps huge bodies testable
    return Client(server, "fuzzer", ("admin",)).with_headers(Connection="close")


@pytest.fixture(scope="module")
def targets(client: Client) -> dict[str, list[str]]:
    category = create_category(client, "Fuzzed")
    product = create_product(client, "Fuzzed", [category["id"]], price="10.00")
    client.post(f"/products/{product['id']}/discounts", {"id": "fuzz-1", "kind": "percentage", "value": "5"})
    bad = [UNKNOWN, "not-a-uuid", "%00", "..", "x" * 300, UNKNOWN.upper(), "%F0%9F%99%82"]
    return {"p": [product["id"], *bad], "c": [category["id"], *bad], "d": ["fuzz-1", "no-such", "%2F", "x" * 300]}


def check(response: requests.Response) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url, response.text[:300])
    if response.status_code >= 400:
        assert response.headers.get("Content-Type") == PROBLEM_JSON, (response.request.url, response.headers)
        assert response.json()["status"] == response.status_code


def fill(path: str, pick: Any, targets: dict[str, list[str]], method: str) -> str:
    for key, choices in targets.items():
        if "{" + key + "}" in path:
            # deleting the shared product or category would only make the rest shallower
            usable = choices[1:] if method == "DELETE" and path.count("/") <= 2 else choices
            path = path.replace("{" + key + "}", pick(usable))
    return path


def test_every_endpoint_answers_a_fixed_set_of_bad_requests_without_a_server_error(client, targets):
    bad_bodies = [b"{", b"[]", b'"x"', b"null", b'{"unknown": 1}', b'{"name": {"nested": []}}',
                  json.dumps({field: "x" * 5000 for field in FIELDS}).encode(), b'{"amount": "1e999"}']
    for method, template in ENDPOINTS:
        for index, body in enumerate(bad_bodies):
            path = fill(template, lambda choices, i=index: choices[i % len(choices)], targets, method)
            check(client.request(method, path, data=body, headers={"Content-Type": "application/json",
                                                                   "If-Match": "garbage" if index % 2 else "*"}))


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_bad_requests_never_get_a_server_error(client, targets, data):
    method, template = data.draw(st.sampled_from(ENDPOINTS))
    path = fill(template, lambda choices: quote(data.draw(st.sampled_from(choices)), safe="%"), targets, method)
    query = data.draw(st.dictionaries(st.sampled_from(QUERY), st.sampled_from(QUERY_TEXT) | st.text(max_size=20),
                                      max_size=4))
    check(client.request(method, path, params=query, data=data.draw(bodies), headers=data.draw(headers)))
