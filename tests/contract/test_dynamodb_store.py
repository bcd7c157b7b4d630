"""The shared contract against DynamoDB as moto emulates it: in-process, and over HTTP.

moto gets one request at a time in both cases: its transaction rollback and its conditional
writes are not safe under concurrent requests, while DynamoDB's are (the whole story is in
tests/dynamodb_emulator.py). The concurrency tests still run unchanged: their writers
interleave requests freely and race for the same streams, keys and shard heads.

Each test gets its own tables, so tables stay small and tests cannot see each other's data.
The feed has 4 shards, as in production; each is gap-free on its own.

Over HTTP, every test of the contract runs but the 1,600-append race: moto spends about 25 ms
of CPU on each request on a slow machine, so it took two minutes there, as long again as
in-process, where it runs in full. Over HTTP, writers racing for the same streams and shard
heads are still tested: by the contract's tailing test here, and by
tests/integration/test_dynamodb_feed.py, with writers in two processes.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from adapters.dynamodb import (
    DynamoDBEventStore,
    DynamoDBSnapshotStore,
    DynamoDBUsage,
    create_dynamodb_client,
    create_tables,
)
from application.ports import EventStore, SnapshotStore
from tests.contract.event_store_contract import EventStoreContract
from tests.dynamodb_emulator import REGION, SerialisedClient, faster_moto, moto_server, moto_session


@pytest.fixture(scope="class")
def in_process_client() -> Iterator[Any]:
    with mock_aws(), faster_moto():
        yield SerialisedClient(create_dynamodb_client(REGION, session=moto_session()))


@pytest.fixture(scope="session")
def http_client() -> Iterator[Any]:
    with moto_server() as endpoint:
        yield create_dynamodb_client(REGION, endpoint_url=endpoint, session=moto_session())


CONTRACT_FEED_SHARDS = 4  # the feed as production shards it: each shard gap-free on its own


def fresh_stores(client: Any) -> tuple[EventStore, SnapshotStore]:
    table = f"events-{uuid.uuid4().hex[:12]}"
    create_tables(client, table)
    usage = DynamoDBUsage()
    return (DynamoDBEventStore(client, table, shards=CONTRACT_FEED_SHARDS, usage=usage),
            DynamoDBSnapshotStore(client, table, usage=usage))


class TestDynamoDBEventStoreInProcess(EventStoreContract):
    @pytest.fixture(autouse=True)
    def _client(self, in_process_client: Any) -> None:
        self.client = in_process_client

    def make_stores(self, tmp_path: Path) -> tuple[EventStore, SnapshotStore]:
        return fresh_stores(self.client)


class TestDynamoDBEventStoreOverHttp(EventStoreContract):
    @pytest.fixture(autouse=True)
    def _client(self, http_client: Any) -> None:
        self.client = http_client

    @pytest.mark.skip(reason="the 1,600-append race runs in-process (see the module docstring)")
    def test_concurrent_writers_lose_and_duplicate_nothing(self, store: EventStore) -> None:
        raise AssertionError("skipped")

    def make_stores(self, tmp_path: Path) -> tuple[EventStore, SnapshotStore]:
        return fresh_stores(self.client)
