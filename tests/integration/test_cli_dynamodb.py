"""The `product-service` subcommands run as a user runs them, on the DynamoDB store: a process
talking to a DynamoDB endpoint over HTTP (a moto server), reading the sharded feed."""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.dynamodb import DynamoDBTables
from adapters.dynamodb.feed import shard_of
from application.importing.importer import imported_product_id
from application.read_models import ProductFilter
from application.unit_of_work import CommandContext
from domain.commands import CreateCategory, CreateProduct, UpdateProductDetails
from domain.product import Product
from entrypoints.containers import build_container
from entrypoints.settings import Settings, load_settings
from tests.integration.conftest import DYNAMODB_FEED_SHARDS

REPO = Path(__file__).resolve().parents[2]
SHARDS = DYNAMODB_FEED_SHARDS


@pytest.fixture
def environment(dynamodb_environment: dict[str, str]) -> dict[str, str]:
    return dynamodb_environment


def cli(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PRODUCT_SERVICE_", "AWS_"))}
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], cwd=REPO, env={**env, **environment},
                          capture_output=True, text=True, timeout=300)


def settings_of(environment: dict[str, str]) -> Settings:
    return load_settings(environment)


@pytest.fixture
def initialised(environment: dict[str, str]) -> dict[str, str]:
    result = cli(environment, "init")
    assert result.returncode == 0, result.stderr
    return environment


def write_streams(environment: dict[str, str], products: int = 3) -> list[str]:
    """Products at version 2 and one category, written in this process through the application."""
    container = build_container(settings_of(environment))
    bus, context = container.bulk_message_bus(), CommandContext("tester", "c", "c")
    product_ids = [str(uuid.uuid4()) for _ in range(products)]
    for number, product_id in enumerate(product_ids):
        bus.handle(CreateProduct(product_id, f"BOOT-{number}", "Boot"), context)
        bus.handle(UpdateProductDetails(product_id, name=f"Walking Boot {number}"), context)
    bus.handle(CreateCategory(str(uuid.uuid4()), "Shoes", "shoes"), context)
    return product_ids


def test_init_creates_every_table_on_demand_and_twice_is_harmless(initialised, client):
    write_streams(initialised, products=1)

    again = cli(initialised, "init")

    assert again.returncode == 0, again.stderr
    assert "event store ready: dynamodb" in again.stdout
    tables = DynamoDBTables(initialised["PRODUCT_SERVICE_DYNAMODB_TABLE"])
    for name in tables.key_schemas():
        description = client.describe_table(TableName=name)["Table"]
        assert description["TableStatus"] == "ACTIVE"
        assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert client.scan(TableName=tables.events, Select="COUNT")["Count"] == 3


def test_verify_reads_every_shard_of_a_healthy_store(initialised):
    product_ids = write_streams(initialised)

    result = cli(initialised, "verify")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "streams: 4 (category 1, product 3)" in result.stdout
    assert "events: 7" in result.stdout and "feed events: 7" in result.stdout
    used_shards = {shard_of(entity_id, SHARDS) for entity_id in product_ids}
    assert all(f"shard {shard}:" in result.stdout for shard in used_shards)
    assert "OK" in result.stdout


def test_verify_names_the_stream_and_the_shard_with_a_missing_event(initialised, client):
    product_id = write_streams(initialised, products=1)[0]
    tables = DynamoDBTables(initialised["PRODUCT_SERVICE_DYNAMODB_TABLE"])
    shard = shard_of(product_id, SHARDS)
    position = feed_position_of(client, tables.feed, shard, product_id, version=1)
    client.delete_item(TableName=tables.events, Key={"entityId": {"S": product_id}, "sequenceNumber": {"N": "1"}})
    client.delete_item(TableName=tables.feed, Key={"shard": {"N": str(shard)}, "position": {"N": str(position)}})

    result = cli(initialised, "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"stream {product_id}: sequence numbers missing: 1" in result.stdout
    assert f"feed shard {shard}: positions missing: {position} and maybe more" in result.stdout


def feed_position_of(client: Any, feed_table: str, shard: int, entity_id: str, version: int) -> int:
    items = client.query(TableName=feed_table, KeyConditionExpression="shard = :shard AND #p > :zero",
                         ExpressionAttributeNames={"#p": "position"},
                         ExpressionAttributeValues={":shard": {"N": str(shard)}, ":zero": {"N": "0"}})["Items"]
    [position] = [int(item["position"]["N"]) for item in items
                  if item["entityId"]["S"] == entity_id and item["sequenceNumber"]["N"] == str(version)]
    return position


def test_snapshot_writes_every_stream_into_the_snapshot_table(initialised, client):
    product_ids = write_streams(initialised)

    result = cli(initialised, "snapshot")

    assert result.returncode == 0, result.stderr
    assert "snapshots written: 4" in result.stdout
    tables = DynamoDBTables(initialised["PRODUCT_SERVICE_DYNAMODB_TABLE"])
    items = client.scan(TableName=tables.snapshots)["Items"]
    versions = {item["entityId"]["S"]: int(item["version"]["N"]) for item in items}
    assert {product_id: versions.get(product_id) for product_id in product_ids} == dict.fromkeys(product_ids, 2)
    container = build_container(settings_of(initialised))
    snapshot = container.snapshot_store().latest(product_ids[0], Product.SNAPSHOT_SCHEMA)
    assert snapshot is not None and snapshot.version == 2 and "Walking Boot 0" in str(snapshot.state)


def test_import_writes_to_dynamodb_projects_and_imports_nothing_twice(initialised, client, tmp_path):
    legacy = tmp_path / "legacy.csv"
    legacy.write_text("sku,name,categories,price,currency\nA-1,Boot,Shoes,10,EUR\nA-2,Sock,Shoes,2,EUR\n"
                      "A-3,,Shoes,5,EUR\n")

    first = cli(initialised, "import", str(legacy), "--source-name", "old-shop")
    again = cli(initialised, "import", str(legacy), "--source-name", "old-shop")

    assert first.returncode == 0, first.stderr
    assert "imported:           2" in first.stdout and "line 4: name: must be 1-200 characters" in first.stdout
    assert "already imported:   2" in again.stdout
    events_table = DynamoDBTables(initialised["PRODUCT_SERVICE_DYNAMODB_TABLE"]).events
    product_id = imported_product_id("old-shop", "A-1")
    stored = client.query(TableName=events_table, KeyConditionExpression="entityId = :id",
                          ExpressionAttributeValues={":id": {"S": product_id}})["Items"]
    assert [item["eventType"]["S"] for item in stored] == ["ProductImported"]
    read_models = build_container(settings_of(initialised)).read_models()
    product = read_models.product(product_id, datetime.now(UTC))
    assert product is not None and product["name"] == "Boot"


def test_projections_rebuild_replays_every_shard_of_the_feed(initialised):
    write_streams(initialised)

    result = cli(initialised, "projections", "rebuild")

    assert result.returncode == 0, result.stderr
    assert "read models rebuilt from 7 events" in result.stdout
    read_models = build_container(settings_of(initialised)).read_models()
    page = read_models.products(ProductFilter(), None, 100, datetime.now(UTC))
    assert sorted(item["name"] for item in page.items) == ["Walking Boot 0", "Walking Boot 1", "Walking Boot 2"]
