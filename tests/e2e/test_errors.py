"""Every error a client can get is application/problem+json with a status, a title and a detail."""

import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest

from entrypoints.http.bodies import MAX_BODY_BYTES
from tests.e2e.catalog import create_category, create_product
from tests.e2e.server import SECRET, Client, ok, problem, unique

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def ids(server: str) -> dict[str, str]:
    """A priced product in a category, a discontinued product and a category, shared by the cases below."""
    admin = Client(server, "errors-admin", ("admin",))
    category = create_category(admin, "Errors")
    product = create_product(admin, "Target", [category["id"]], price="10.00")
    retired = create_product(admin, "Retired", [category["id"]], price="10.00")
    ok(admin.post(f"/products/{retired['id']}/activate"))
    ok(admin.post(f"/products/{retired['id']}/discontinue"))
    return {"product": product["id"], "category": category["id"], "retired": retired["id"],
            "sku": product["sku"], "slug": category["slug"]}


def send(client: Client, method: str, path: str, ids: dict[str, str], body: Any = None,
         raw: bytes | None = None) -> Any:
    path = path.format(**ids)
    if raw is not None:
        return client.request(method, path, data=raw, headers={"Content-Type": "application/json"})
    return client.request(method, path, json=body)


MALFORMED = [
    ("POST", "/products", b'{"sku": "A-1", "name": '),
    ("PATCH", "/products/{product}", b"{'single': 'quotes'}"),
    ("POST", "/products", b"[1, 2, 3]"),
    ("PUT", "/products/{product}/price", b'"19.99"'),
    ("POST", "/categories", b"null"),
    ("POST", "/products", b'{"sku": "A-2", "name": "\\ud800"}'),  # a lone surrogate is not text
    ("POST", "/products", b'{"sku": "A-3", "name": "n", "attributes": {"x": NaN}}'),
    ("POST", "/products", b'{"attributes": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("POST", "/products/{product}/discounts", b'{"id": "\\udc00", "kind": "percentage", "value": "5"}'),
]


@pytest.mark.parametrize(("method", "path", "raw"), MALFORMED)
def test_a_body_that_is_not_a_json_object_is_malformed(admin: Client, ids, method, path, raw):
    problem(send(admin, method, path, ids, raw=raw), 400)


INVALID = [
    ("POST", "/products", {"sku": "bad sku!", "name": "Boot"}, "sku"),
    ("POST", "/products", {"sku": "NO-NAME"}, "name"),
    ("POST", "/products", {"sku": "X-1", "name": "Boot", "colour": "red"}, "colour"),
    ("POST", "/products", {"sku": "X-2", "name": "Boot", "categoryIds": ["not-a-uuid"]}, "categoryIds"),
    ("POST", "/products", {"sku": "X-3", "name": "Boot", "categoryIds": [UNKNOWN]}, "categoryIds"),
    ("PATCH", "/products/{product}", {"name": ""}, "name"),
    ("PUT", "/products/{product}/price", {"amount": "19.999", "currency": "EUR"}, "amount"),
    ("PUT", "/products/{product}/price", {"amount": 19.99, "currency": "EUR"}, "amount"),
    ("PUT", "/products/{product}/price", {"amount": "nineteen", "currency": "EUR"}, "amount"),
    ("PUT", "/products/{product}/price", {"amount": "1E+2", "currency": "EUR"}, "amount"),
    ("PUT", "/products/{product}/price", {"amount": "-1.00", "currency": "EUR"}, "amount"),
    ("PUT", "/products/{product}/price", {"amount": "1.00", "currency": "XYZ"}, "currency"),
    ("PUT", "/products/{product}/price", {"amount": "1.00", "currency": "EUR",
                                          "effectiveFrom": "2030-01-01T00:00:00"}, "effectiveFrom"),
    ("PUT", "/products/{product}/price", {"amount": "1.00", "currency": "EUR",
                                          "effectiveFrom": "9999-12-31T23:00:00-05:00"}, "effectiveFrom"),
    ("POST", "/products/{product}/discounts", {"kind": "percentage", "value": "101"}, "value"),
    ("POST", "/products/{product}/discounts", {"kind": "bogus", "value": "1"}, "kind"),
    ("POST", "/products/{product}/discounts", {"id": "a/b", "kind": "percentage", "value": "1"}, "id"),
    ("POST", "/products/{product}/discounts", {"kind": "percentage", "value": "1",
                                               "validFrom": "0001-01-01T00:00:00+05:00"}, "validFrom"),
    ("POST", "/categories", {"name": "Orphan", "parentId": UNKNOWN}, "parentId"),
    ("POST", "/categories/{category}/move", {"parentId": UNKNOWN}, "parentId"),
    ("POST", "/categories/{category}/move", {}, "parentId"),
    ("GET", "/products?limit=0", None, "limit"),
    ("GET", "/products?status=lost", None, "status"),
    ("GET", "/products?minPrice=5", None, "currency"),
    ("GET", "/products?currency=XYZ", None, "currency"),
    ("GET", "/products?cursor=not-a-cursor", None, "cursor"),
    ("GET", "/products/{product}?version=99999999999999999999", None, "version"),
    ("GET", "/products/{product}?asOf=yesterday", None, "asOf"),
    ("GET", "/products/{product}/price?currency=EUR&at=9999-12-31T23:00:00-05:00", None, "at"),
    ("GET", "/products/{product}/price", None, "currency"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), INVALID)
def test_invalid_fields_are_named_one_by_one(admin: Client, ids, method, path, body, field):
    details = problem(send(admin, method, path, ids, body), 422)
    assert field in details["errors"] and all(isinstance(m, str) for m in details["errors"][field]), details


NOT_FOUND = [
    ("GET", f"/products/{UNKNOWN}"), ("PATCH", f"/products/{UNKNOWN}"), ("POST", f"/products/{UNKNOWN}/activate"),
    ("GET", f"/products/{UNKNOWN}/history"), ("PUT", f"/products/{UNKNOWN}/price"),
    ("GET", f"/categories/{UNKNOWN}"), ("DELETE", f"/categories/{UNKNOWN}"),
    ("PUT", f"/products/{{product}}/categories/{UNKNOWN}"), ("DELETE", "/products/{product}/discounts/no-such"),
    ("GET", "/products/not-a-uuid"), ("GET", "/no/such/route"), ("GET", "/products/{product}/price?currency=JPY"),
]


@pytest.mark.parametrize(("method", "path"), NOT_FOUND)
def test_unknown_things_are_not_found(admin: Client, ids, method, path):
    body = {"name": "x"} if method == "PATCH" else {"amount": "1", "currency": "EUR"} if method == "PUT" else None
    problem(send(admin, method, path, ids, body), 404)


CONFLICTS = [
    ("POST", "/products", {"sku": "{sku}", "name": "Twin"}, "taken"),
    ("POST", "/categories", {"name": "Twin", "slug": "{slug}"}, "taken"),
    ("POST", "/products/{retired}/activate", None, "discontinued"),
    ("PATCH", "/products/{retired}", {"name": "Revived"}, "discontinued"),
    ("PUT", "/products/{retired}/price", {"amount": "5.00", "currency": "EUR"}, "discontinued"),
    ("POST", "/products/{product}/deactivate", None, "active"),
    ("DELETE", "/categories/{category}", None, "products"),
]


@pytest.mark.parametrize(("method", "path", "body", "words"), CONFLICTS)
def test_commands_that_break_a_rule_conflict(admin: Client, ids, method, path, body, words):
    if body is not None:
        body = {key: value.format(**ids) for key, value in body.items()}
    assert words in problem(send(admin, method, path, ids, body), 409)["detail"]


def test_activating_a_product_without_a_price_conflicts(admin: Client, ids):
    product = create_product(admin, "Unpriced", [ids["category"]])
    assert "price" in problem(admin.post(f"/products/{product['id']}/activate"), 409)["detail"]


def test_a_stale_if_match_is_a_failed_precondition_and_changes_nothing(admin: Client):
    product = create_product(admin, "Versioned")
    ok(admin.patch(f"/products/{product['id']}", {"name": "Second"}, headers={"If-Match": '"1"'}))
    for stale in ('"1"', 'W/"1"', '"7"', "garbage"):
        problem(admin.patch(f"/products/{product['id']}", {"name": "Third"}, headers={"If-Match": stale}), 412)
    assert ok(admin.get(f"/products/{product['id']}"))["version"] == 2
    problem(admin.put(f"/products/{product['id']}/price", {"amount": "3.00", "currency": "EUR"},
                      headers={"If-Match": '"5"'}), 412)


def token(claims: dict[str, Any], secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm="HS256")}


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Basic YWxpY2U6c2VjcmV0"}, {"Authorization": "Bearer not.a.jwt"},
    token({"sub": "mallory", "roles": ["admin"], "exp": time.time() + 600}, "another-secret-of-at-least-32-bytes!"),
    token({"sub": "late", "roles": ["admin"], "exp": time.time() - 60}),
    token({"sub": "no-expiry", "roles": ["admin"]}),
    token({"sub": "odd", "roles": "admin", "exp": time.time() + 600}),
], ids=["none", "basic", "garbage", "bad-signature", "expired", "no-exp", "roles-not-a-list"])
def test_requests_without_a_valid_bearer_token_are_unauthorized(server: str, headers):
    anonymous = Client(server, roles=())
    problem(anonymous.get("/products", headers=headers), 401)
    problem(anonymous.post("/products", {"sku": unique("anon"), "name": "x"}, headers=headers), 401)


def test_roles_limit_what_a_user_may_do(server: str, ids):
    viewer, editor = Client(server, "vic", ("viewer",)), Client(server, "eddie", ("editor",))
    pricing = Client(server, "penny", ("pricing",))
    product = f"/products/{ids['product']}"
    problem(viewer.post("/products", {"sku": unique("v"), "name": "x"}), 403)
    problem(viewer.patch(product, {"name": "x"}), 403)
    problem(editor.delete(product), 403)
    problem(editor.delete(f"/categories/{ids['category']}"), 403)
    problem(editor.put(f"{product}/price", {"amount": "1.00", "currency": "EUR"}), 403)
    problem(editor.post(f"{product}/discounts", {"kind": "percentage", "value": "5"}), 403)
    problem(pricing.patch(product, {"name": "x"}), 403)
    ok(viewer.get(product))
    assert ok(admin_of(server).get(product))["name"] == "Target"


def admin_of(server: str) -> Client:
    return Client(server, "errors-admin", ("admin",))


def test_bad_input_leaves_the_catalog_working(admin: Client, ids):
    """Refused writes leave nothing behind: the next write to the same product goes through."""
    product = create_product(admin, "Survivor", price="10.00")
    path = f"/products/{product['id']}/discounts"
    raw = b'{"id": "\\ud800", "kind": "percentage", "value": "5"}'
    problem(admin.request("POST", path, data=raw, headers={"Content-Type": "application/json"}), 400)
    ok(admin.post(path, {"id": "fine", "kind": "percentage", "value": "5"}), 201)
    assert ok(admin.get(f"/products/{product['id']}"))["prices"]["EUR"]["effective"] == "9.50"
    assert ok(admin.get(f"/products/{uuid.UUID(product['id'])}/history"))["items"][-1]["eventType"] == "DiscountAdded"


def test_an_attribute_text_over_a_thousand_characters_is_an_invalid_field(admin: Client):
    response = admin.post("/products", {"sku": unique("LONG"), "name": "Long", "attributes": {"notes": "x" * 1001}})

    assert "attributes.notes" in problem(response, 422)["errors"]


ANOTHER_KIND = [  # ids share one space: a product's id names no category, and the other way round
    ("PATCH", "/categories/{product}", {"name": "x"}), ("POST", "/categories/{product}/move", {"parentId": None}),
    ("DELETE", "/categories/{product}", None), ("GET", "/categories/{product}/history", None),
    ("PATCH", "/products/{category}", {"name": "x"}), ("POST", "/products/{category}/activate", None),
    ("DELETE", "/products/{category}", None), ("PUT", "/products/{category}/price", {"amount": "1", "currency": "EUR"}),
    ("POST", "/products/{category}/discounts", {"kind": "percentage", "value": "5"}),
    ("GET", "/products/{category}?version=1", None), ("GET", "/products/{category}/history", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ANOTHER_KIND)
def test_an_id_of_another_kind_of_entity_is_not_found(admin: Client, ids, method, path, body):
    problem(send(admin, method, path, ids, body), 404)


@pytest.mark.parametrize(("raw", "content_type"), [
    (None, None), (b"", "application/json"), (b"  ", "application/json"), (b"\xff", "application/json"),
    (b"\xa0", "application/json"), (b'{"name": "Plain"}', "text/plain"),
    (b"name=Form", "application/x-www-form-urlencoded"),
], ids=["no-body", "empty", "blank", "not-utf8", "not-utf8-nbsp", "text-plain", "form"])
def test_a_body_that_is_missing_not_utf8_or_not_json_is_malformed(admin: Client, ids, raw, content_type):
    """Every documented request body is required: none of these reads as an empty patch (a 200)."""
    headers = {"Content-Type": content_type} if content_type else {}
    problem(admin.request("PATCH", f"/products/{ids['product']}", data=raw, headers=headers), 400)
    problem(admin.request("POST", "/categories", data=raw, headers=headers), 400)


def test_an_idempotency_key_used_for_another_command_is_an_invalid_request(admin: Client, ids):
    product = create_product(admin, "Keyed", [ids["category"]], price="1.00")["id"]
    key = {"Idempotency-Key": unique("key")}
    ok(admin.post(f"/products/{product}/activate", headers=key))
    assert "different request" in problem(admin.post(f"/products/{product}/deactivate", headers=key), 422)["detail"]


def test_the_openapi_document_gives_every_error_as_a_problem_and_no_catch_all(admin: Client):
    document = ok(admin.get("/openapi.json"))
    problem_json = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in document["paths"].items():
        for method, operation in ((m, o) for m, o in operations.items() if m != "parameters"):
            responses, where = operation["responses"], f"{method.upper()} {path}"
            assert "default" not in responses, where  # flask-smorest's application/json `Error`: never sent
            for status in (status for status in responses if int(status) >= 400):
                if (where, status) != ("GET /api/v1/ready", "503"):  # not ready: the checks, as on 200
                    assert responses[status]["content"] == problem_json, (where, status)
            if "412" in responses:  # a command: it reads If-Match and Idempotency-Key, and a reused key is a 422
                assert "422" in responses, where
                headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
                assert {"If-Match", "Idempotency-Key"} <= headers, where
    assert document["paths"]["/api/v1/health"]["get"]["security"] == []  # open to all


def padded_price(size: int) -> bytes:
    """A price change whose JSON body is `size` bytes long (an unknown field pads it)."""
    head = b'{"amount": "3.00", "currency": "EUR", "pad": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


def in_chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """The body as a generator: requests then sends it chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start:start + size]


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 4 * MAX_BODY_BYTES])
@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
def test_a_body_over_the_limit_is_too_large_and_changes_nothing(admin: Client, ids, size, chunked):
    path = f"/products/{ids['product']}/price"
    before = ok(admin.get(path.removesuffix("/price")))["version"]
    body = padded_price(size)

    refused = problem(admin.request("PUT", path, data=in_chunks(body) if chunked else body,
                                    headers={"Content-Type": "application/json"}), 413)

    assert str(MAX_BODY_BYTES) in refused["detail"]
    assert ok(admin.get(path.removesuffix("/price")))["version"] == before
    ok(admin.put(path, {"amount": "10.00", "currency": "EUR"}))  # and the next write goes through


def test_a_large_body_refused_before_it_is_read_still_gets_its_answer(server: str, ids):
    """Refusals that come before the body is parsed (no token here) read it off, so a client
    that sends the whole body before it reads gets the answer, not a reset connection."""
    anonymous = Client(server, roles=())
    raw = padded_price(3 * MAX_BODY_BYTES)

    for _ in range(10):
        problem(anonymous.request("PUT", f"/products/{ids['product']}/price", data=raw,
                                  headers={"Content-Type": "application/json"}), 401)


@pytest.mark.parametrize(("method", "path", "status", "until_closed"), [
    ("PUT", "/products/{product}/price", b"401", False), ("GET", "/health", b"200", True)])
def test_a_client_that_sends_less_body_than_it_announced_still_gets_its_answer(server: str, ids, method, path,
                                                                              status, until_closed):
    """The answer goes before the rest of the body is read off, and reading it off gives up
    (after DRAIN_SECONDS): the server closes the connection rather than wait on (waited for
    once, on the route that reads no body)."""
    url = urlsplit(server)
    head = (f"{method} {url.path}{path.format(**ids)} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
    with socket.create_connection((url.hostname, url.port), timeout=10) as client:
        client.sendall(head.encode())
        started = time.monotonic()
        answer = client.recv(100)
        assert answer.split(b" ")[1] == status and time.monotonic() - started < 5
        client.settimeout(15)
        while until_closed and client.recv(65536):  # the server gives up on the promised body and closes
            pass
