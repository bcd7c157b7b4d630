"""One real server per test process (xdist worker) and event store, shared by the tests that need
no data dir of their own. Every test that uses it runs twice: on the embedded SQLite store and on
DynamoDB (a moto server over HTTP, serialised because moto's transaction rollback is not
thread-safe)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dynamodb_emulator import moto_server
from tests.e2e.server import Client, running_server


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


def store_environment(store: str, request: pytest.FixtureRequest) -> dict[str, str]:
    if store == "sqlite":
        return {}
    return {"PRODUCT_SERVICE_EVENT_STORE": "dynamodb",
            "DYNAMODB_ENDPOINT_URL": request.getfixturevalue("dynamodb_endpoint"),
            "PRODUCT_SERVICE_DYNAMODB_TABLE": f"e2e-{uuid.uuid4().hex[:8]}",
            "AWS_ACCESS_KEY_ID": "e2e", "AWS_SECRET_ACCESS_KEY": "e2e"}


@pytest.fixture(scope="session", params=["sqlite", "dynamodb"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp(f"shared-catalog-{request.param}")
    with running_server(data_dir, store_environment(request.param, request)) as base:
        yield base


@pytest.fixture
def admin(server: str) -> Client:
    return Client(server, "e2e-admin", ("admin",))
