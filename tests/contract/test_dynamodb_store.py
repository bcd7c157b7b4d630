"""The shared contract against DynamoDB as moto emulates it: in-process, and over HTTP.

moto gets one request at a time in both cases: its transaction rollback and its conditional
writes are not safe under concurrent requests, while DynamoDB's are (the whole story is in
tests/dynamodb_emulator.py). The concurrency tests still run unchanged: their writers
interleave requests freely and race for the same streams, keys and shard heads.

Each test gets its own tables, so tables stay small and tests cannot see each other's data.

One feed shard here (the store's default is 4): the contract's tailing test records every
shard it polls, then reads `positions[0]` of each, so a shard that received no event fails it
— with 4 streams over 4 shards, about nine runs in ten. Until the suite skips empty shards,
tests/integration/test_dynamodb_feed.py runs the same tailing scenario over several shards.
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

    def make_stores(self, tmp_path: Path) -> tuple[EventStore, SnapshotStore]:
        return fresh_stores(self.client)
