"""One real server per test process (xdist worker) and set-up, shared by the tests that need no
data dir of their own. Every test that uses it runs three times: on the embedded default (SQLite
event store and read models), on DynamoDB (a moto server over HTTP, serialised because moto's
transaction rollback is not thread-safe), and with the read models on the real PostgreSQL."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.dynamodb_emulator import moto_server
from tests.e2e.server import Client, running_server

POSTGRES = "postgres@127.0.0.1:5432"


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def postgres_read_models() -> Iterator[str]:
    """The URL of a database of its own on the PostgreSQL server, dropped at the end."""
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    name = f"e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"postgresql://{POSTGRES}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"postgresql://{POSTGRES}/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def store_environment(setup: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings of a set-up: `sqlite`, `dynamodb` or `postgresql` (SQLite events, PostgreSQL views)."""
    if setup == "sqlite":
        return {}
    if setup == "postgresql":
        return {"PRODUCT_SERVICE_READ_MODEL_URL": request.getfixturevalue("postgres_read_models")}
    return {"PRODUCT_SERVICE_EVENT_STORE": "dynamodb",
            "DYNAMODB_ENDPOINT_URL": request.getfixturevalue("dynamodb_endpoint"),
            "PRODUCT_SERVICE_DYNAMODB_TABLE": f"e2e-{uuid.uuid4().hex[:8]}",
            "AWS_ACCESS_KEY_ID": "e2e", "AWS_SECRET_ACCESS_KEY": "e2e"}


@pytest.fixture(scope="session", params=["sqlite", "dynamodb", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp(f"shared-catalog-{request.param}")
    with running_server(data_dir, store_environment(request.param, request)) as base:
        yield base


@pytest.fixture
def admin(server: str) -> Client:
    return Client(server, "e2e-admin", ("admin",))
