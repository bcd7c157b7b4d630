"""Snapshots in their own table, one partition per entity and aggregate schema.

Keying by ``<entityId>#<schemaVersion>`` (sort key: version) makes "the newest snapshot of this
schema at or before version V" one strongly consistent Query of one item, newest first. With
the schema as a filter instead, every load after a schema change would read through all the old
snapshots of the stream before finding none.
"""

from datetime import datetime
from typing import Any

import orjson

from adapters.dynamodb.client import DynamoDBClient, DynamoDBGateway
from adapters.dynamodb.items import MAX_ITEM_BYTES, Item, integer, item_size, number, text
from adapters.dynamodb.tables import DynamoDBTables
from adapters.dynamodb.usage import DynamoDBUsage
from application.envelope import Snapshot, format_timestamp
from application.errors import AppendRefused
from application.ports import SnapshotStore

TIMED_PAGE = 8  # snapshots read per request when a time bound may skip the newest ones


class DynamoDBSnapshotStore(SnapshotStore):
    def __init__(self, client: DynamoDBClient, table: str = "product-events",
                 usage: DynamoDBUsage | None = None) -> None:
        self.gateway = DynamoDBGateway(client, usage)
        self.usage = self.gateway.usage
        self.table = DynamoDBTables(table).snapshots

    def save(self, snapshot: Snapshot) -> None:
        item = _item(snapshot)
        if item_size(item) > MAX_ITEM_BYTES:
            raise AppendRefused(f"the snapshot of {snapshot.entity_id} at version {snapshot.version} would be "
                                f"{item_size(item)} bytes; DynamoDB items are limited to {MAX_ITEM_BYTES}")
        self.gateway.call("put_item", TableName=self.table, Item=item)

    def latest(self, entity_id: str, schema_version: int, up_to_version: int | None = None,
               up_to_time: datetime | None = None) -> Snapshot | None:
        params: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True, "ScanIndexForward": False,
            "Limit": 1 if up_to_time is None else TIMED_PAGE,
            "KeyConditionExpression": "snapshotOf = :of",
            "ExpressionAttributeValues": {":of": text(_partition(entity_id, schema_version))}}
        if up_to_version is not None:
            params["KeyConditionExpression"] += " AND #version <= :last"
            params["ExpressionAttributeNames"] = {"#version": "version"}
            params["ExpressionAttributeValues"][":last"] = number(up_to_version)
        if up_to_time is not None:
            params["FilterExpression"] = "#timestamp <= :until"
            params.setdefault("ExpressionAttributeNames", {})["#timestamp"] = "timestamp"
            params["ExpressionAttributeValues"][":until"] = text(format_timestamp(up_to_time))
        for page in self.gateway.pages("query", **params):
            if page["Items"]:
                return _snapshot(page["Items"][0])
        return None


def _partition(entity_id: str, schema_version: int) -> str:
    return f"{entity_id}#{schema_version}"


def _item(snapshot: Snapshot) -> Item:
    return {
        "snapshotOf": text(_partition(snapshot.entity_id, snapshot.schema_version)),
        "version": number(snapshot.version),
        "entityId": text(snapshot.entity_id),
        "aggregateType": text(snapshot.aggregate_type),
        "schemaVersion": number(snapshot.schema_version),
        "state": text(orjson.dumps(snapshot.state).decode()),
        "timestamp": text(format_timestamp(snapshot.timestamp)),
    }


def _snapshot(item: Item) -> Snapshot:
    return Snapshot(item["entityId"]["S"], item["aggregateType"]["S"], integer(item, "version"),
                    integer(item, "schemaVersion"), orjson.loads(item["state"]["S"]),
                    datetime.fromisoformat(item["timestamp"]["S"]))
