"""The outbox is the feed: per shard, the relay's checkpoint, kept beside the shard's head."""

from contextlib import suppress

from adapters.dynamodb.client import ConditionFailed, DynamoDBGateway
from adapters.dynamodb.feed import feed_key
from adapters.dynamodb.items import integer, number
from adapters.dynamodb.tables import OUTBOX_CHECKPOINT_POSITION


class OutboxCheckpoints:
    """Per shard, the position up to which the relay has published (the feed is the outbox)."""

    def __init__(self, gateway: DynamoDBGateway, table: str, shards: int) -> None:
        self._gateway = gateway
        self._table = table
        self._shards = shards

    def read(self) -> dict[int, int]:
        keys = [feed_key(shard, OUTBOX_CHECKPOINT_POSITION) for shard in range(self._shards)]
        checkpoints = dict.fromkeys(range(self._shards), 0)
        while keys:
            response = self._gateway.call("batch_get_item", RequestItems={
                self._table: {"Keys": keys, "ConsistentRead": True}})
            for item in response["Responses"].get(self._table, []):
                checkpoints[integer(item, "shard")] = integer(item, "publishedPosition")
            keys = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
        return checkpoints

    def advance(self, shard: int, position: int) -> None:
        """Moves the checkpoint forward; a relay that got further already is left where it is."""
        with suppress(ConditionFailed):
            self._gateway.call(
                "update_item", TableName=self._table, Key=feed_key(shard, OUTBOX_CHECKPOINT_POSITION),
                UpdateExpression="SET #published = :position",
                ConditionExpression="attribute_not_exists(#published) OR #published < :position",
                ExpressionAttributeNames={"#published": "publishedPosition"},
                ExpressionAttributeValues={":position": number(position)})
