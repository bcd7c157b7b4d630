"""A DynamoDB endpoint over HTTP (a moto server) shared by the DynamoDB integration modules of one
test process, and a fresh, small set of tables for each test."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.dynamodb import create_dynamodb_client, create_tables
from tests.dynamodb_emulator import REGION, moto_server, moto_session


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
