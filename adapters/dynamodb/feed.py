"""The sharded feed: which shard an entity is in, the shards' heads, and reading a shard."""

import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

from adapters.dynamodb.client import DynamoDBGateway
from adapters.dynamodb.items import event_from_item, integer, number
from adapters.dynamodb.tables import SHARD_HEAD_POSITION
from application.envelope import StoredEvent

POSITION = {"#position": "position"}


def shard_of(entity_id: str, shards: int) -> int:
    """Stable across processes and releases (unlike hash()): an entity never changes shard."""
    return zlib.crc32(entity_id.encode()) % shards


def feed_key(shard: int, position: int) -> dict[str, Any]:
    return {"shard": number(shard), "position": number(position)}


class FeedHeads:
    """The last position of each shard as this process last saw it.

    A commit moves a shard's head on condition that it is still where this process thinks; when
    another writer got there first, DynamoDB returns the head item with the cancellation and the
    next attempt starts from it. The threads of one process take turns per shard (`writing`), so
    a single process sends one request per commit: only other processes can move a head unseen.
    """

    def __init__(self, gateway: DynamoDBGateway, table: str) -> None:
        self._gateway = gateway
        self._table = table
        self._lock = threading.Lock()
        self._known: dict[int, int] = {}
        self._writers: dict[int, threading.Lock] = {}

    @contextmanager
    def writing(self, shards: Iterable[int]) -> Iterator[None]:
        """Holds this process's turn at each shard (in shard order, so turns cannot deadlock).

        DynamoDB admits one commit per shard head value anyway: waiting here costs no
        throughput, where racing would cost a cancelled transaction per lost race.
        """
        with self._lock:
            turns = [self._writers.setdefault(shard, threading.Lock()) for shard in sorted(set(shards))]
        with ExitStack() as stack:
            for turn in turns:
                stack.enter_context(turn)
            yield

    def of(self, shards: Iterable[int]) -> dict[int, int]:
        """The known head of each shard, read (strongly consistent) the first time it is needed."""
        with self._lock:
            known = {shard: self._known.get(shard) for shard in set(shards)}
        heads: dict[int, int] = {}
        for shard, head in known.items():
            if head is None:
                head = self._read(shard)
                self.learn(shard, head)
            heads[shard] = head
        return heads

    def _read(self, shard: int) -> int:
        response = self._gateway.call("get_item", TableName=self._table, Key=feed_key(shard, SHARD_HEAD_POSITION),
                                      ConsistentRead=True)
        return integer(response.get("Item", {}), "lastPosition")

    def learn(self, shard: int, position: int) -> None:
        with self._lock:
            self._known[shard] = max(position, self._known.get(shard, 0))

    def forget(self, shard: int) -> None:
        with self._lock:
            self._known.pop(shard, None)

    def advance(self, heads: Mapping[int, int]) -> None:
        for shard, position in heads.items():
            self.learn(shard, position)


def read_shard(gateway: DynamoDBGateway, table: str, shard: int, after: int, limit: int) -> list[StoredEvent]:
    """Up to `limit` entries after `after`, stopping short of any gap so a reader never skips one."""
    events: list[StoredEvent] = []
    pages = gateway.pages("query", TableName=table, ConsistentRead=True, Limit=limit,
                          KeyConditionExpression="shard = :shard AND #position > :after",
                          ExpressionAttributeNames=POSITION,
                          ExpressionAttributeValues={":shard": number(shard), ":after": number(after)})
    for page in pages:
        events += (event_from_item(item) for item in page["Items"])
        if len(events) >= limit:
            break
    return _contiguous(events[:limit], after)


def _contiguous(events: list[StoredEvent], after: int) -> list[StoredEvent]:
    for offset, event in enumerate(events):
        if event.position != after + 1 + offset:
            return events[:offset]
    return events
