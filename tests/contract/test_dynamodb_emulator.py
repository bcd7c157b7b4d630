"""`faster_moto` answers exactly as moto does: the same calls, on twin tables, with and without it.

Every request shape the DynamoDB store sends (and a few it could) is made once against a table
with `faster_moto` active and once against its twin without; the responses must be equal. This is
what makes the faster emulator safe to trust for the contract, and it fails the day a moto
upgrade changes what the short cuts stand in for.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.dynamodb_emulator import REGION, faster_moto, moto_session

Call = Callable[[Any, str], Any]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with mock_aws():
        yield moto_session().client("dynamodb", region_name=REGION)


def _twin_tables(client: Any, name: str) -> tuple[str, str]:
    for table in (f"{name}-fast", f"{name}-plain"):
        client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                                  {"AttributeName": "n", "AttributeType": "N"}],
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                                       {"AttributeName": "n", "KeyType": "RANGE"}])
    return f"{name}-fast", f"{name}-plain"


def _both(client: Any, tables: tuple[str, str], call: Call) -> tuple[Any, Any]:
    fast, plain = tables
    with faster_moto():
        answer_fast = _comparable(call(client, fast), fast)
    return answer_fast, _comparable(call(client, plain), plain)


def _comparable(answer: Any, table: str) -> Any:
    """The answer without its request id, and with the table's name made the same for both twins."""
    if isinstance(answer, dict):
        return {("TABLE" if key == table else key): _comparable(value, table)
                for key, value in answer.items() if key != "ResponseMetadata"}
    if isinstance(answer, list):
        return [_comparable(value, table) for value in answer]
    return "TABLE" if answer == table else answer


def _item(entity: str, n: int, **extra: Any) -> dict[str, Any]:
    return {"id": {"S": entity}, "n": {"N": str(n)}, "payload": {"S": "x" * 50},
            "tags": {"L": [{"S": "a"}, {"N": "1.5"}]}, "meta": {"M": {"ok": {"BOOL": True}, "none": {"NULL": True}}},
            **extra}


WRITES: list[tuple[str, Call]] = [
    ("put", lambda c, t: c.put_item(TableName=t, Item=_item("a", 1), ReturnConsumedCapacity="TOTAL")),
    ("put returning the old item", lambda c, t: c.put_item(TableName=t, Item=_item("a", 1, more={"S": "y"}),
                                                           ReturnValues="ALL_OLD")),
    ("conditional put refused", lambda c, t: _refusal(lambda: c.put_item(
        TableName=t, Item=_item("a", 1), ConditionExpression="attribute_not_exists(id)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD"))),
    ("update returning new values", lambda c, t: c.update_item(
        TableName=t, Key={"id": {"S": "a"}, "n": {"N": "1"}}, UpdateExpression="SET #c = if_not_exists(#c, :z) + :one",
        ExpressionAttributeNames={"#c": "count"}, ExpressionAttributeValues={":z": {"N": "0"}, ":one": {"N": "1"}},
        ReturnValues="ALL_NEW")),
    ("transaction refused", lambda c, t: _refusal(lambda: c.transact_write_items(TransactItems=[
        {"Put": {"TableName": t, "Item": _item("b", 1)}},
        {"Put": {"TableName": t, "Item": _item("a", 1), "ConditionExpression": "attribute_not_exists(id)"}}]))),
    ("delete returning the old item", lambda c, t: c.delete_item(
        TableName=t, Key={"id": {"S": "a"}, "n": {"N": "1"}}, ReturnValues="ALL_OLD")),
]

READS: list[tuple[str, Call]] = [
    ("get", lambda c, t: c.get_item(TableName=t, Key={"id": {"S": "s"}, "n": {"N": "7"}}, ConsistentRead=True)),
    ("get of nothing", lambda c, t: c.get_item(TableName=t, Key={"id": {"S": "s"}, "n": {"N": "999"}})),
    ("get projected", lambda c, t: c.get_item(TableName=t, Key={"id": {"S": "s"}, "n": {"N": "7"}},
                                              ProjectionExpression="n, payload")),
    ("query after", lambda c, t: c.query(TableName=t, KeyConditionExpression="id = :id AND n > :after",
                                         ExpressionAttributeValues={":id": {"S": "s"}, ":after": {"N": "25"}})),
    ("query between", lambda c, t: c.query(TableName=t, KeyConditionExpression="id = :id AND n BETWEEN :a AND :b",
                                           ExpressionAttributeValues={":id": {"S": "s"}, ":a": {"N": "3"},
                                                                      ":b": {"N": "9"}})),
    ("query at most, newest first", lambda c, t: c.query(
        TableName=t, KeyConditionExpression="id = :id AND n <= :last", ScanIndexForward=False, Limit=4,
        ExpressionAttributeValues={":id": {"S": "s"}, ":last": {"N": "20"}}, ReturnConsumedCapacity="TOTAL")),
    ("query a page on", lambda c, t: c.query(
        TableName=t, KeyConditionExpression="id = :id", Limit=5, ExclusiveStartKey={"id": {"S": "s"}, "n": {"N": "10"}},
        ExpressionAttributeValues={":id": {"S": "s"}})),
    ("query filtered", lambda c, t: c.query(
        TableName=t, KeyConditionExpression="id = :id AND n >= :from", FilterExpression="attribute_exists(odd)",
        ExpressionAttributeValues={":id": {"S": "s"}, ":from": {"N": "2"}}, Select="COUNT")),
    ("query of nothing", lambda c, t: c.query(TableName=t, KeyConditionExpression="id = :id",
                                              ExpressionAttributeValues={":id": {"S": "none"}})),
    ("scan", lambda c, t: c.scan(TableName=t, Limit=7)),
    ("batch get", lambda c, t: c.batch_get_item(RequestItems={t: {"Keys": [
        {"id": {"S": "s"}, "n": {"N": str(n)}} for n in (1, 2, 3, 500)]}})),
    ("transactional get", lambda c, t: c.transact_get_items(TransactItems=[
        {"Get": {"TableName": t, "Key": {"id": {"S": "s"}, "n": {"N": "4"}}}},
        {"Get": {"TableName": t, "Key": {"id": {"S": "s"}, "n": {"N": "404"}}}}])),
]


def _refusal(call: Callable[[], Any]) -> Any:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the refusal is the answer compared
        return getattr(error, "response", repr(error))
    raise AssertionError("the call was expected to be refused")


@pytest.mark.parametrize("number", range(len(WRITES)), ids=[name for name, _ in WRITES])
def test_a_write_answers_the_same(client: Any, number: int) -> None:
    """Each write on twin tables that have had the writes before it (so a refusal has its cause)."""
    tables = _twin_tables(client, f"w{number}")
    for _, earlier in WRITES[:number]:
        _both(client, tables, earlier)
    answer_fast, answer_plain = _both(client, tables, WRITES[number][1])
    assert answer_fast == answer_plain


@pytest.fixture(scope="module")
def stocked(client: Any) -> tuple[str, str]:
    tables = _twin_tables(client, "reads")
    for table in tables:
        for n in range(1, 41):
            client.put_item(TableName=table, Item=_item("s", n, **({"odd": {"S": "y"}} if n % 2 else {})))
        client.put_item(TableName=table, Item=_item("other", 1))
    return tables


@pytest.mark.parametrize(("name", "call"), READS, ids=[name for name, _ in READS])
def test_a_read_answers_the_same(client: Any, stocked: tuple[str, str], name: str, call: Call) -> None:
    answer_fast, answer_plain = _both(client, stocked, call)
    assert answer_fast == answer_plain
