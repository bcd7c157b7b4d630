"""The DynamoDB event store: streams, a sharded gap-free feed (the outbox) and the unique-key index."""

import heapq
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from adapters.dynamodb.client import DynamoDBClient, DynamoDBGateway
from adapters.dynamodb.commit import Committer
from adapters.dynamodb.feed import feed_key, read_shard, shard_of
from adapters.dynamodb.items import event_from_item, integer, number, text
from adapters.dynamodb.outbox import OutboxCheckpoints
from adapters.dynamodb.tables import CLAIM_ENTRY, REFERENCE_PREFIX, SHARD_HEAD_POSITION, DynamoDBTables
from adapters.dynamodb.usage import DynamoDBUsage
from adapters.validation import check_writes
from application.envelope import NO_INDEX_CHANGES, IndexChanges, StoredEvent, StreamWrite, format_timestamp
from application.ports import EventStore, Outbox

DEFAULT_FEED_SHARDS = 4


class DynamoDBEventStore(EventStore, Outbox):
    """Every commit is one TransactWriteItems (sent again only when another process moved a
    shard head first or DynamoDB was busy); every read is strongly consistent.

    `shards` is fixed for the life of the tables: an entity's shard is a hash of its id modulo
    the shard count, so changing it would move entities between shards.
    """

    def __init__(self, client: DynamoDBClient, table: str = "product-events", shards: int = DEFAULT_FEED_SHARDS,
                 usage: DynamoDBUsage | None = None) -> None:
        if shards < 1:
            raise ValueError("the feed needs at least one shard")
        self.gateway = DynamoDBGateway(client, usage)
        self.usage = self.gateway.usage
        self.tables = DynamoDBTables(table)
        self.shards = shards
        self._committer = Committer(self.gateway, self.tables, self.shard_of)
        self._checkpoints = OutboxCheckpoints(self.gateway, self.tables.feed, shards)

    def shard_of(self, entity_id: str) -> int:
        return shard_of(entity_id, self.shards)

    def commit(self, writes: Sequence[StreamWrite], index: IndexChanges = NO_INDEX_CHANGES) -> list[StoredEvent]:
        check_writes(writes)
        return self._committer.commit(writes, index)

    def load(self, entity_id: str, after_version: int = 0, up_to_version: int | None = None,
             up_to_time: datetime | None = None) -> list[StoredEvent]:
        if up_to_version is not None and up_to_version <= after_version:
            return []
        params: dict[str, Any] = {
            "TableName": self.tables.events, "ConsistentRead": True,
            "KeyConditionExpression": "entityId = :id AND sequenceNumber > :after",
            "ExpressionAttributeValues": {":id": text(entity_id), ":after": number(after_version)}}
        if up_to_version is not None:
            params["KeyConditionExpression"] = "entityId = :id AND sequenceNumber BETWEEN :first AND :last"
            params["ExpressionAttributeValues"] = {":id": text(entity_id), ":first": number(after_version + 1),
                                                   ":last": number(up_to_version)}
        if up_to_time is not None:
            params["FilterExpression"] = "#timestamp <= :until"
            params["ExpressionAttributeNames"] = {"#timestamp": "timestamp"}
            params["ExpressionAttributeValues"][":until"] = text(format_timestamp(up_to_time))
        return [event_from_item(item) for page in self.gateway.pages("query", **params) for item in page["Items"]]

    def read_feed(self, shard: int, after_position: int, limit: int = 1000) -> list[StoredEvent]:
        if not 0 <= shard < self.shards or limit < 1:
            return []
        return read_shard(self.gateway, self.tables.feed, shard, after_position, limit)

    def feed_shards(self) -> int:
        return self.shards

    def feed_head(self, shard: int) -> int:
        if not 0 <= shard < self.shards:
            return 0
        response = self.gateway.call("get_item", TableName=self.tables.feed, ConsistentRead=True,
                                     Key=feed_key(shard, SHARD_HEAD_POSITION))
        return integer(response.get("Item", {}), "lastPosition")

    def stream_ids(self) -> Iterator[str]:
        pages = self.gateway.pages("scan", TableName=self.tables.streams, ConsistentRead=True,
                                   ProjectionExpression="entityId")
        return (item["entityId"]["S"] for page in pages for item in page["Items"])

    def owner_of(self, key: str) -> str | None:
        response = self.gateway.call("get_item", TableName=self.tables.index, ConsistentRead=True,
                                     Key={"indexKey": text(key), "entry": text(CLAIM_ENTRY)})
        owner = response.get("Item", {}).get("owner")
        return owner["S"] if owner else None

    def references_to(self, key: str) -> list[str]:
        pages = self.gateway.pages("query", TableName=self.tables.index, ConsistentRead=True,
                                   KeyConditionExpression="indexKey = :key AND begins_with(entry, :prefix)",
                                   ExpressionAttributeValues={":key": text(key), ":prefix": text(REFERENCE_PREFIX)})
        return sorted(item["source"]["S"] for page in pages for item in page["Items"])

    def pending(self, limit: int = 500) -> list[StoredEvent]:
        """The oldest unpublished events of every shard, interleaved by time, each shard in feed order."""
        per_shard = [self.read_feed(shard, after, limit) for shard, after in self._checkpoints.read().items()]
        return list(islice(heapq.merge(*per_shard, key=lambda event: event.timestamp), limit))

    def mark_published(self, events: Sequence[StoredEvent]) -> None:
        """Advances each shard's checkpoint over the unbroken run of published positions after it."""
        published: dict[int, set[int]] = defaultdict(set)
        for event in events:
            published[event.shard].add(event.position)
        checkpoints = self._checkpoints.read() if published else {}
        for shard, positions in published.items():
            checkpoint = start = checkpoints.get(shard, 0)
            while checkpoint + 1 in positions:
                checkpoint += 1
            if checkpoint > start:
                self._checkpoints.advance(shard, checkpoint)

    def backlog(self) -> dict[int, int]:
        """One GetItem per shard head and one BatchGetItem for the checkpoints."""
        checkpoints = self._checkpoints.read()
        return {shard: max(0, self.feed_head(shard) - published) for shard, published in checkpoints.items()}
