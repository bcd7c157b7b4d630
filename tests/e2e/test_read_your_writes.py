"""Read-your-writes on demand: `minVersion` makes a read wait, bounded by `maxWaitMs`, until the
read model shows at least that version (embedded mode; the distributed case is in
test_amqp_commands.py)."""

import time
import uuid

import pytest

from tests.e2e.catalog import create_category, create_product
from tests.e2e.server import Client, ok, problem


@pytest.mark.parametrize("kind", ["products", "categories"])
def test_a_version_already_projected_is_answered_at_once(admin: Client, kind: str):
    entity = create_product(admin) if kind == "products" else create_category(admin)
    patched = ok(admin.patch(f"/{kind}/{entity['id']}", {"name": "Renamed"}))

    started = time.monotonic()
    read = admin.get(f"/{kind}/{entity['id']}?minVersion={patched['version']}&maxWaitMs=5000")

    assert ok(read)["version"] == patched["version"] == 2 and read.json()["name"] == "Renamed"
    assert read.headers["ETag"] == '"2"'
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("kind", ["products", "categories"])
def test_a_version_never_written_is_404_without_waiting(admin: Client, kind: str):
    entity = create_product(admin) if kind == "products" else create_category(admin)

    started = time.monotonic()
    read = admin.get(f"/{kind}/{entity['id']}?minVersion=7&maxWaitMs=5000")

    assert problem(read, 404)["detail"].endswith("has no version 7")
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("kind", ["products", "categories"])
def test_an_entity_of_another_kind_or_none_is_404(admin: Client, kind: str):
    other = create_category(admin) if kind == "products" else create_product(admin)

    for entity_id in (other["id"], str(uuid.uuid4())):
        problem(admin.get(f"/{kind}/{entity_id}?minVersion=1&maxWaitMs=5000"), 404)


@pytest.mark.parametrize("query, field", [
    ("minVersion=0", "minVersion"), ("minVersion=1&maxWaitMs=10001", "maxWaitMs"),
    ("minVersion=1&maxWaitMs=-1", "maxWaitMs"), ("minVersion=x", "minVersion")])
def test_bad_waits_are_invalid_fields(admin: Client, query: str, field: str):
    product = create_product(admin)

    for kind in ("products", "categories"):
        assert field in problem(admin.get(f"/{kind}/{product['id']}?{query}"), 422)["errors"]


def test_waiting_for_a_version_does_not_mix_with_reading_the_events_at_one(admin: Client):
    product = create_product(admin)

    body = problem(admin.get(f"/products/{product['id']}?minVersion=1&version=1"), 422)

    assert "minVersion" in body["errors"]
