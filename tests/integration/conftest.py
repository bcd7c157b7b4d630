"""Shared by the integration modules: a DynamoDB endpoint over HTTP (a moto server) for the test
process, a fresh small set of tables, the settings of a service on a fresh DynamoDB store, and
RabbitMQ names of the test's own."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.dynamodb import create_dynamodb_client, create_tables
from adapters.rabbitmq import Topology
from tests.dynamodb_emulator import REGION, moto_server, moto_session
from tests.rabbitmq_broker import unique_topology

DYNAMODB_FEED_SHARDS = 4


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def client(dynamodb_endpoint: str) -> Any:
    return create_dynamodb_client(REGION, endpoint_url=dynamodb_endpoint, session=moto_session())


@pytest.fixture
def table(client: Any) -> str:
    name = f"it-{uuid.uuid4().hex[:12]}"
    create_tables(client, name)
    return name


@pytest.fixture
def dynamodb_environment(dynamodb_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings (environment variables) of a service on fresh DynamoDB tables, not yet created,
    with its read models in a data dir of the test's own."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")  # for the stores this process builds; moto takes any
    return {"PRODUCT_SERVICE_EVENT_STORE": "dynamodb", "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
            "PRODUCT_SERVICE_DYNAMODB_TABLE": f"svc-{uuid.uuid4().hex[:10]}",
            "PRODUCT_SERVICE_DYNAMODB_FEED_SHARDS": str(DYNAMODB_FEED_SHARDS),
            "PRODUCT_SERVICE_DATA_DIR": str(tmp_path / "var"),
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION}


@pytest.fixture
def topology() -> Iterator[Topology]:
    """Exchange and queue names no other test uses."""
    with unique_topology() as topology:
        yield topology
