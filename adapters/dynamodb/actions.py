"""Entries of a TransactWriteItems request, each tagged with what it stands for."""

from dataclasses import dataclass, field
from typing import Any

from adapters.dynamodb.items import Item, item_size


@dataclass(frozen=True)
class Action:
    """One transaction entry; `kind` and `subject` say how to read its cancellation reason.

    kinds: event, stream (entity id), feed-entry, feed-head (shard), claim, ref, deref (index key;
    `source` for ref and deref).
    """

    kind: str
    subject: str | int
    request: dict[str, Any]
    size: int
    source: str = ""


@dataclass(frozen=True)
class Condition:
    expression: str
    names: dict[str, str] = field(default_factory=dict)
    values: Item = field(default_factory=dict)
    report_old: bool = False  # return the item as it was when the condition fails

    def parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = {"ConditionExpression": self.expression}
        if self.names:
            parameters["ExpressionAttributeNames"] = self.names
        if self.values:
            parameters["ExpressionAttributeValues"] = self.values
        if self.report_old:
            parameters["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return parameters


def put(kind: str, subject: str | int, table: str, item: Item, condition: Condition, source: str = "") -> Action:
    request = {"Put": {"TableName": table, "Item": item, **condition.parameters()}}
    return Action(kind, subject, request, item_size(item), source)


def update(kind: str, subject: str | int, table: str, key: Item, expression: str, condition: Condition) -> Action:
    request = {"Update": {"TableName": table, "Key": key, "UpdateExpression": expression, **condition.parameters()}}
    return Action(kind, subject, request, item_size({**key, **condition.values}))


def delete(kind: str, subject: str | int, table: str, key: Item, condition: Condition, source: str = "") -> Action:
    request = {"Delete": {"TableName": table, "Key": key, **condition.parameters()}}
    return Action(kind, subject, request, item_size(key), source)


def check(kind: str, subject: str | int, table: str, key: Item, condition: Condition) -> Action:
    request = {"ConditionCheck": {"TableName": table, "Key": key, **condition.parameters()}}
    return Action(kind, subject, request, item_size(key))
