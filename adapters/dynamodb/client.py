"""The boto3 client and the gateway every store talks through: usage counted, errors translated."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from adapters.dynamodb.usage import DynamoDBUsage
from application.errors import AppendRefused, StoreUnavailable

# A botocore client has no static type; this names what the stores expect.
DynamoDBClient = Any
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


def create_dynamodb_client(region: str, endpoint_url: str = "", max_attempts: int = 5,
                           session: boto3.session.Session | None = None) -> DynamoDBClient:
    """A client that retries throttling and transient faults itself (botocore "standard" mode).

    `endpoint_url` empty means AWS itself; set it for DynamoDB Local or moto. Credentials come
    from the session (by default boto3's usual chain: environment, profile, instance role).
    """
    config = Config(retries={"mode": "standard", "max_attempts": max_attempts},
                    connect_timeout=5, read_timeout=20, max_pool_connections=32)
    session = session or boto3.session.Session()
    return session.client("dynamodb", region_name=region, endpoint_url=endpoint_url or None, config=config)


class TransactionCancelled(Exception):
    """DynamoDB cancelled a TransactWriteItems; `reasons` has one entry per action, in order."""

    def __init__(self, reasons: list[dict[str, Any]], message: str) -> None:
        super().__init__(message)
        self.reasons = reasons


class ConditionFailed(Exception):
    """A single conditional write found its condition false."""


class DynamoDBGateway:
    """Sends requests with ReturnConsumedCapacity, records usage, translates driver errors."""

    def __init__(self, client: DynamoDBClient, usage: DynamoDBUsage | None = None) -> None:
        self.client = client
        self.usage = usage or DynamoDBUsage()

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Calls a client method (``query``, ``transact_write_items``…) and returns its response."""
        operation = _operation_name(method)
        try:
            response: dict[str, Any] = getattr(self.client, method)(ReturnConsumedCapacity="TOTAL", **params)
        except ClientError as error:
            self.usage.record(operation, None)
            raise _translated(operation, error) from error
        except BotoCoreError as error:
            raise StoreUnavailable(f"DynamoDB cannot be reached: {error}") from error
        self.usage.record(operation, response.get("ConsumedCapacity"))
        return response

    def pages(self, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a Query or Scan, following LastEvaluatedKey."""
        while True:
            page = self.call(method, **params)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@contextmanager
def translated_errors(operation: str, tolerated: frozenset[str] = frozenset()) -> Iterator[None]:
    """For calls made outside the gateway (table administration); `tolerated` error codes pass."""
    try:
        yield
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in tolerated:
            raise _translated(operation, error) from error
    except BotoCoreError as error:
        raise StoreUnavailable(f"DynamoDB cannot be reached: {error}") from error


def _operation_name(method: str) -> str:
    return "".join(part.title() for part in method.split("_"))


def _translated(operation: str, error: ClientError) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", str(error))
    if code == "TransactionCanceledException":
        return TransactionCancelled(error.response.get("CancellationReasons", []), message)
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(message)
    if code == "ResourceNotFoundException":
        return StoreUnavailable(f"a DynamoDB table is missing (run `product-service init`): {message}")
    if code == "ValidationException" and operation in WRITE_OPERATIONS:
        return AppendRefused(f"DynamoDB refused the write: {message}")
    return StoreUnavailable(f"DynamoDB {operation} failed ({code}): {message}")
