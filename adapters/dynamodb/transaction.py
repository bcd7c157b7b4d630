"""One commit as one TransactWriteItems: events, feed entries, stream and shard heads, index.

Per event: a Put into the events table (never over an existing version) and the same item into
the feed table at its shard's next position. Per stream: its head item, put on condition that
it is at the expected version. Per shard touched: its head item, moved from the last position
this writer knows to the last one it gives out. Then the index actions.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.dynamodb.actions import Action, Condition, check, put, update
from adapters.dynamodb.index_plan import IndexPlan
from adapters.dynamodb.items import MAX_ITEM_BYTES, event_item, number, text
from adapters.dynamodb.tables import SHARD_HEAD_POSITION, DynamoDBTables
from application.envelope import StoredEvent, StreamWrite
from application.errors import AppendRefused

MAX_ACTIONS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
VERSION = {"#version": "version"}


@dataclass(frozen=True)
class CommitTransaction:
    committed: list[StoredEvent]
    actions: list[Action]
    new_heads: dict[int, int]  # the last position of each shard this commit writes to

    def requests(self) -> list[dict[str, Any]]:
        return [action.request for action in self.actions]

    def check_limits(self) -> None:
        """Refuses, before anything is written, a commit DynamoDB could not take in one transaction."""
        if len(self.actions) > MAX_ACTIONS:
            raise AppendRefused(f"the commit of {len(self.committed)} events needs {len(self.actions)} DynamoDB "
                                f"transaction actions; the limit is {MAX_ACTIONS}")
        largest = max(self.actions, key=lambda action: action.size, default=None)
        if largest is not None and largest.size > MAX_ITEM_BYTES:
            raise AppendRefused(f"the {largest.kind} item of {largest.subject} would be {largest.size} bytes; "
                                f"DynamoDB items are limited to {MAX_ITEM_BYTES}")
        total = sum(action.size for action in self.actions)
        if total > MAX_TRANSACTION_BYTES:
            raise AppendRefused(f"the commit would write {total} bytes; a DynamoDB transaction is limited "
                                f"to {MAX_TRANSACTION_BYTES}")


def build_commit(tables: DynamoDBTables, writes: Sequence[StreamWrite], heads: Mapping[int, int],
                 plan: IndexPlan, shard_of: Callable[[str], int]) -> CommitTransaction:
    """The transaction that appends `writes` after the shard `heads` and applies the plan."""
    last = dict(heads)
    committed: list[StoredEvent] = []
    for write in writes:
        shard = shard_of(write.entity_id)
        for event in write.events:
            last[shard] += 1
            committed.append(event._replace(shard=shard, position=last[shard]))
    new_heads = {shard: position for shard, position in last.items() if position != heads[shard]}
    actions = [action for event in committed for action in _event_actions(tables, event)]
    actions += [_stream_head(tables.streams, write, shard_of(write.entity_id)) for write in writes]
    actions += [_shard_head(tables.feed, shard, heads[shard], position) for shard, position in new_heads.items()]
    actions += plan.actions(tables.index)
    return CommitTransaction(committed, actions, new_heads)


def _event_actions(tables: DynamoDBTables, event: StoredEvent) -> list[Action]:
    item = event_item(event)
    return [put("event", event.entity_id, tables.events, item, Condition("attribute_not_exists(entityId)")),
            put("feed-entry", event.shard, tables.feed, item,
                Condition("attribute_not_exists(#position)", {"#position": "position"}))]


def _stream_head(table: str, write: StreamWrite, shard: int) -> Action:
    if write.expected_version == 0:
        condition = Condition("attribute_not_exists(entityId)", report_old=True)
    else:
        condition = Condition("#version = :expected", VERSION, {":expected": number(write.expected_version)},
                              report_old=True)
    if not write.events:
        return check("stream", write.entity_id, table, {"entityId": text(write.entity_id)}, condition)
    item = {"entityId": text(write.entity_id), "version": number(write.expected_version + len(write.events)),
            "shard": number(shard)}
    return put("stream", write.entity_id, table, item, condition)


def _shard_head(table: str, shard: int, known: int, last: int) -> Action:
    names, values = {"#last": "lastPosition"}, {":last": number(last)}
    if known == 0:
        condition = Condition("attribute_not_exists(#last)", names, values, report_old=True)
    else:
        condition = Condition("#last = :known", names, {**values, ":known": number(known)}, report_old=True)
    key = {"shard": number(shard), "position": number(SHARD_HEAD_POSITION)}
    return update("feed-head", shard, table, key, "SET #last = :last", condition)
