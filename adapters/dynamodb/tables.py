"""The five tables of the DynamoDB store, their keys, and how to create them."""

from dataclasses import dataclass

from adapters.dynamodb.client import DynamoDBClient, translated_errors

# item roles inside the feed table, beside the events (positions 1, 2, 3…)
SHARD_HEAD_POSITION = 0  # attribute lastPosition: the last position given out in the shard
OUTBOX_CHECKPOINT_POSITION = -1  # attribute publishedPosition: the relay is done up to here
# item roles inside the index table
CLAIM_ENTRY = "#claim"  # attributes owner, refCount
REFERENCE_PREFIX = "ref#"  # one item per source that refers to the key


@dataclass(frozen=True)
class DynamoDBTables:
    """The names of the tables, all derived from the events table's name."""

    events: str

    @property
    def streams(self) -> str:
        return f"{self.events}-streams"

    @property
    def feed(self) -> str:
        return f"{self.events}-feed"

    @property
    def index(self) -> str:
        return f"{self.events}-index"

    @property
    def snapshots(self) -> str:
        return f"{self.events}-snapshots"

    def key_schemas(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Table name -> ((attribute, type) of the partition key[, of the sort key])."""
        return {
            self.events: (("entityId", "S"), ("sequenceNumber", "N")),
            self.streams: (("entityId", "S"),),
            self.feed: (("shard", "N"), ("position", "N")),
            self.index: (("indexKey", "S"), ("entry", "S")),
            self.snapshots: (("snapshotOf", "S"), ("version", "N")),
        }


def create_tables(client: DynamoDBClient, table: str, wait: bool = True) -> None:
    """Creates the tables on demand (PAY_PER_REQUEST); tables that exist already are left alone."""
    schemas = DynamoDBTables(table).key_schemas()
    for name, keys in schemas.items():
        _create_table(client, name, keys)
    if wait:
        waiter = client.get_waiter("table_exists")
        for name in schemas:
            with translated_errors("DescribeTable"):
                waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


def _create_table(client: DynamoDBClient, name: str, keys: tuple[tuple[str, str], ...]) -> None:
    roles = ("HASH", "RANGE")[:len(keys)]
    key_schema = [{"AttributeName": attribute, "KeyType": role}
                  for (attribute, _), role in zip(keys, roles, strict=True)]
    with translated_errors("CreateTable", tolerated=frozenset({"ResourceInUseException"})):
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=key_schema,
            AttributeDefinitions=[{"AttributeName": attribute, "AttributeType": kind} for attribute, kind in keys],
        )
