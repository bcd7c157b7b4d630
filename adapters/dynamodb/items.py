"""Stored events as DynamoDB items (the client's typed attribute maps) and item sizes."""

from datetime import datetime
from typing import Any

import orjson

from application.envelope import StoredEvent, format_timestamp

Item = dict[str, dict[str, Any]]
MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's limit on one item


def text(value: str) -> dict[str, str]:
    return {"S": value}


def number(value: int) -> dict[str, str]:
    return {"N": str(value)}


def integer(item: Item, name: str, default: int = 0) -> int:
    return int(item[name]["N"]) if name in item else default


def event_item(event: StoredEvent) -> Item:
    """The envelope as the seed's item, plus its feed shard and position.

    eventData is JSON text: DynamoDB numbers are not floats, and text keeps the data exactly as
    the other stores keep it. The same map is the event's entry in the feed table.
    """
    return {
        "entityId": text(event.entity_id),
        "sequenceNumber": number(event.sequence_number),
        "eventId": text(event.event_id),
        "eventType": text(event.event_type),
        "eventVersion": number(event.event_version),
        "aggregateType": text(event.aggregate_type),
        "eventData": text(orjson.dumps(event.data).decode()),
        "timestamp": text(format_timestamp(event.timestamp)),
        "userId": text(event.user_id),
        "correlationId": text(event.correlation_id),
        "causationId": text(event.causation_id),
        "shard": number(event.shard),
        "position": number(event.position),
    }


def event_from_item(item: Item) -> StoredEvent:
    return StoredEvent(
        item["entityId"]["S"], int(item["sequenceNumber"]["N"]), item["eventId"]["S"], item["eventType"]["S"],
        int(item["eventVersion"]["N"]), item["aggregateType"]["S"], orjson.loads(item["eventData"]["S"]),
        datetime.fromisoformat(item["timestamp"]["S"]), item["userId"]["S"], item["correlationId"]["S"],
        item["causationId"]["S"], int(item["position"]["N"]), int(item["shard"]["N"]))


def item_size(item: Item) -> int:
    """An upper bound of the size DynamoDB counts against its limits: names plus values, UTF-8."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    if "S" in value:
        return len(value["S"].encode())
    if "N" in value:
        return len(value["N"]) + 1  # DynamoDB stores about one byte per two digits, plus one
    return len(orjson.dumps(value))  # anything else this store never writes: a generous bound
