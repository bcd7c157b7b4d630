"""The DynamoDB store at DynamoDB's limits, when DynamoDB fails, and what it counts; over HTTP, moto."""

import uuid
from typing import Any

import pytest

from adapters.dynamodb import (
    DynamoDBEventStore,
    DynamoDBSnapshotStore,
    DynamoDBUsage,
    create_dynamodb_client,
    create_tables,
)
from application.envelope import Snapshot
from application.errors import AppendRefused, StoreUnavailable
from tests.contract.stream_builders import EPOCH, events_for, new_id
from tests.dynamodb_emulator import REGION, moto_session

LARGE_STREAM = 5_000
LARGE_PAYLOAD = "x" * 10_000
ONE_MEGABYTE = 1_000_000  # a Query returns at most this much per page


@pytest.fixture
def store(client: Any, table: str) -> DynamoDBEventStore:
    return DynamoDBEventStore(client, table)


def test_a_stream_of_5000_large_events_loads_whole_across_pages(store: DynamoDBEventStore) -> None:
    entity = new_id()
    for start in range(1, LARGE_STREAM + 1, 40):
        store.append(entity, start - 1, events_for(entity, start, 40, amount=LARGE_PAYLOAD))
    queries_before = store.usage.requests("Query")

    loaded = store.load(entity)

    assert [event.sequence_number for event in loaded] == list(range(1, LARGE_STREAM + 1))
    assert all(event.data["amount"] == LARGE_PAYLOAD for event in loaded)
    assert store.usage.requests("Query") - queries_before >= LARGE_STREAM * len(LARGE_PAYLOAD) // ONE_MEGABYTE
    assert [e.sequence_number for e in store.load(entity, after_version=4_990)] == list(range(4_991, 5_001))


def test_an_event_over_400_kb_is_refused_before_anything_is_written(store: DynamoDBEventStore) -> None:
    entity = new_id()
    with pytest.raises(AppendRefused, match="400|409600"):
        store.append(entity, 0, events_for(entity, 1, 1, amount="x" * 410_000))
    assert store.load(entity) == []
    assert entity not in set(store.stream_ids())
    assert store.usage.requests("TransactWriteItems") == 0


def test_a_commit_over_100_actions_is_refused_before_anything_is_written(store: DynamoDBEventStore) -> None:
    entity = new_id()
    with pytest.raises(AppendRefused, match="100"):
        store.append(entity, 0, events_for(entity, 1, 50))  # 2 items per event, 2 heads: 102 actions
    assert store.load(entity) == []
    assert store.usage.requests("TransactWriteItems") == 0
    store.append(entity, 0, events_for(entity, 1, 49))  # 100 actions: the most one commit can take
    assert len(store.load(entity)) == 49


def test_a_commit_over_4_mb_is_refused_before_anything_is_written(store: DynamoDBEventStore) -> None:
    entity = new_id()
    with pytest.raises(AppendRefused, match="4194304"):
        store.append(entity, 0, events_for(entity, 1, 8, amount="x" * 300_000))  # 16 items of 300 KB
    assert store.load(entity) == []
    assert store.usage.requests("TransactWriteItems") == 0


def test_creating_the_tables_again_is_harmless(client: Any, table: str, store: DynamoDBEventStore) -> None:
    entity = new_id()
    store.append(entity, 0, events_for(entity, 1, 2))
    create_tables(client, table)
    create_tables(client, table, wait=False)
    assert len(store.load(entity)) == 2
    description = client.describe_table(TableName=table)["Table"]
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [key["AttributeName"] for key in description["KeySchema"]] == ["entityId", "sequenceNumber"]


def test_an_unreachable_endpoint_is_a_store_unavailable() -> None:
    closed = create_dynamodb_client(REGION, endpoint_url="http://127.0.0.1:9", max_attempts=1, session=moto_session())
    store = DynamoDBEventStore(closed, "anything")
    entity = new_id()
    with pytest.raises(StoreUnavailable):
        store.load(entity)
    with pytest.raises(StoreUnavailable):
        store.append(entity, 0, events_for(entity, 1, 1))


def test_missing_tables_are_a_store_unavailable_that_says_to_init(client: Any) -> None:
    store = DynamoDBEventStore(client, f"never-created-{uuid.uuid4().hex[:8]}")
    entity = new_id()
    with pytest.raises(StoreUnavailable, match="init"):
        store.append(entity, 0, events_for(entity, 1, 1))
    with pytest.raises(StoreUnavailable, match="init"):
        store.load(entity)


def test_a_single_writer_sends_one_write_request_per_commit(store: DynamoDBEventStore) -> None:
    entities = [new_id() for _ in range(10)]
    for entity in entities:
        store.append(entity, 0, events_for(entity, 1, 3))
        store.append(entity, 3, events_for(entity, 4, 1))
    assert store.usage.requests("TransactWriteItems") == 20
    assert store.usage.requests("GetItem") <= store.shards  # each shard's head is read once, then known
    assert store.usage.retries() == {}


def test_a_shard_head_moved_by_another_process_costs_one_retry_not_a_conflict(client: Any, table: str) -> None:
    ours, theirs = DynamoDBEventStore(client, table, shards=1), DynamoDBEventStore(client, table, shards=1)
    first, second = new_id(), new_id()
    ours.append(first, 0, events_for(first, 1, 1))
    theirs.append(second, 0, events_for(second, 1, 2))  # positions 2 and 3, unknown to `ours`

    (committed,) = ours.append(first, 1, events_for(first, 2, 1))

    assert committed.position == 4
    assert ours.usage.requests("TransactWriteItems") == 3
    assert ours.usage.retries() == {"feed": 1}


def test_usage_shows_the_capacity_reported(client: Any, table: str) -> None:
    usage = DynamoDBUsage()
    store, snapshots = DynamoDBEventStore(client, table, usage=usage), DynamoDBSnapshotStore(client, table, usage=usage)
    entity = new_id()
    store.append(entity, 0, events_for(entity, 1, 2))
    snapshots.save(Snapshot(entity, "price", 2, 1, {"amount": "10.00"}, EPOCH))
    store.load(entity)
    operations = usage.by_operation()
    assert operations["PutItem"].write_units > 0
    assert operations["Query"].read_units > 0
    assert set(operations) == {"GetItem", "TransactWriteItems", "PutItem", "Query"}


def test_usage_reads_capacity_the_way_dynamodb_reports_it() -> None:
    usage = DynamoDBUsage()
    usage.record("TransactWriteItems", [{"TableName": "events", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0},
                                        {"TableName": "events-feed", "CapacityUnits": 6.0,
                                         "ReadCapacityUnits": 2.0, "WriteCapacityUnits": 4.0}])
    usage.record("Query", {"TableName": "events", "CapacityUnits": 1.5})
    usage.record("Query", None)
    assert usage.capacity() == (3.5, 8.0)
    assert usage.requests("Query") == 2
    assert usage.requests() == 3
