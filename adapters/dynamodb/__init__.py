"""The DynamoDB event store and snapshot store (boto3 client API).

Tables — the seed's events table plus four siblings named ``<table>-<kind>``:

=====================  ==============================  =========================================
table                  key (partition / sort)          items
=====================  ==============================  =========================================
``<table>``            entityId S / sequenceNumber N   one per event: the envelope, eventData as
                                                       JSON text, its feed shard and position
``<table>-streams``    entityId S                      one head per stream: version, shard
``<table>-feed``       shard N / position N            the events again, at positions 1, 2, 3…
                                                       of their shard; the shard head at 0
                                                       (lastPosition); the relay's checkpoint
                                                       at -1 (publishedPosition)
``<table>-index``      indexKey S / entry S            ``#claim``: owner, refCount;
                                                       ``ref#<source>``: one per reference
``<table>-snapshots``  snapshotOf S / version N        snapshotOf = ``<entityId>#<schema>``
=====================  ==============================  =========================================

Why sibling tables rather than prefixed items in one table: the events table stays exactly the
seed's, holding nothing but events (a scan or an export of it is the event log); each kind gets
the key types its queries need (numeric shard and position for the feed, string pairs for the
index); ``stream_ids`` scans only the small stream heads; capacity and alarms are per kind. A
TransactWriteItems spans tables, so a commit is as atomic either way.

A commit is one TransactWriteItems (see `transaction` and `commit`): for n events in one stream,
2n + 2 actions (event and feed entry per event, the stream head, the shard head) plus the index
actions, so at most 49 events per commit. Positions are gap-free and in commit order per shard
because every commit moves its shard's head on condition that it is where the writer last saw
it: writers to one shard are serialised by design, and the shard count (default 4) spreads the
feed over as many partitions.
"""

from adapters.dynamodb.client import create_dynamodb_client
from adapters.dynamodb.event_store import DynamoDBEventStore
from adapters.dynamodb.snapshot_store import DynamoDBSnapshotStore
from adapters.dynamodb.tables import DynamoDBTables, create_tables
from adapters.dynamodb.usage import DynamoDBUsage, OperationUsage

__all__ = ["DynamoDBEventStore", "DynamoDBSnapshotStore", "DynamoDBTables", "DynamoDBUsage", "OperationUsage",
           "create_dynamodb_client", "create_tables"]
