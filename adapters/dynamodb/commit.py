"""Commits: build the transaction, send it, and read a cancellation as a port error or a retry.

A cancellation names, per action, why it failed. A stream or event condition is a real
conflict (ConcurrencyError); an index condition is a UniquenessViolation, MissingReference or
StillReferenced as the returned item shows. A shard head that another writer moved first is
not a conflict: the next attempt starts from the head DynamoDB returned. TransactionConflict
and throttling are retried with backoff, a bounded number of times, then StoreUnavailable.
"""

import random
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from adapters.dynamodb.actions import Action
from adapters.dynamodb.client import DynamoDBGateway, TransactionCancelled
from adapters.dynamodb.feed import FeedHeads
from adapters.dynamodb.index_plan import IndexPlan
from adapters.dynamodb.items import Item, integer
from adapters.dynamodb.tables import DynamoDBTables
from adapters.dynamodb.transaction import CommitTransaction, build_commit
from application.envelope import IndexChanges, StoredEvent, StreamWrite
from application.errors import AppendRefused, ConcurrencyError, StoreUnavailable

MAX_ATTEMPTS = 100
MAX_CONTENTION_RETRIES = 8
CONDITION_FAILED = "ConditionalCheckFailed"
CONTENTION_CODES = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
                              "RequestLimitExceeded"})


class Committer:
    def __init__(self, gateway: DynamoDBGateway, tables: DynamoDBTables, shard_of: Callable[[str], int]) -> None:
        self.gateway = gateway
        self.tables = tables
        self.shard_of = shard_of
        self.heads = FeedHeads(gateway, tables.feed)

    def commit(self, writes: Sequence[StreamWrite], index: IndexChanges) -> list[StoredEvent]:
        plan = IndexPlan(index)
        shards = {self.shard_of(write.entity_id) for write in writes if write.events}
        with self.heads.writing(shards):
            return self._attempt(writes, plan, shards)

    def _attempt(self, writes: Sequence[StreamWrite], plan: IndexPlan, shards: set[int]) -> list[StoredEvent]:
        retries = {"feed": 0, "index": 0, "contention": 0}
        for _ in range(MAX_ATTEMPTS):
            transaction = build_commit(self.tables, writes, self.heads.of(shards), plan, self.shard_of)
            transaction.check_limits()
            if not transaction.actions:
                return []
            try:
                self.gateway.call("transact_write_items", TransactItems=transaction.requests(),
                                  ClientRequestToken=str(uuid.uuid4()))
            except TransactionCancelled as cancelled:
                reason = self._judge(cancelled.reasons, transaction, plan)
                retries[reason] += 1
                self.gateway.usage.record_retry(reason)
                _pause(reason, retries[reason])
                continue
            self.heads.advance(transaction.new_heads)
            return transaction.committed
        raise StoreUnavailable(f"the commit did not go through after {MAX_ATTEMPTS} attempts ({retries})")

    def _judge(self, reasons: list[dict[str, Any]], transaction: CommitTransaction, plan: IndexPlan) -> str:
        """Raises what the cancellation means for the caller, or adjusts and names the retry."""
        failed = [(action, reason) for action, reason in zip(transaction.actions, reasons, strict=False)
                  if reason.get("Code", "None") != "None"]
        codes = {reason["Code"] for _, reason in failed}
        conditions = [(action, reason.get("Item")) for action, reason in failed if reason["Code"] == CONDITION_FAILED]
        _raise_stream_conflicts(conditions)
        if "ValidationError" in codes:
            raise AppendRefused(f"DynamoDB refused the commit: {_messages(failed)}")
        if not codes or codes - CONTENTION_CODES - {CONDITION_FAILED}:
            raise StoreUnavailable(f"DynamoDB cancelled the commit: {_messages(failed) or 'no reason given'}")
        index_reason = _judge_index(conditions, plan)
        feed_reason = self._judge_feed(conditions)
        return "contention" if codes & CONTENTION_CODES else feed_reason or index_reason

    def _judge_feed(self, conditions: list[tuple[Action, Item | None]]) -> str | None:
        reason = None
        for action, old in conditions:
            if action.kind == "feed-head":
                self.heads.learn(int(action.subject), integer(old or {}, "lastPosition"))
                reason = "feed"
            elif action.kind == "feed-entry":
                self.heads.forget(int(action.subject))
                reason = "feed"
        return reason


def _raise_stream_conflicts(conditions: list[tuple[Action, Item | None]]) -> None:
    for action, old in sorted(conditions, key=lambda condition: condition[0].kind != "stream"):
        if action.kind == "stream":
            raise ConcurrencyError(f"{action.subject} is at version {integer(old or {}, 'version')}, "
                                   "not the version expected")
        if action.kind == "event":
            raise ConcurrencyError(f"a version of {action.subject} being appended exists already")


def _judge_index(conditions: list[tuple[Action, Item | None]], plan: IndexPlan) -> str:
    """Drops references that exist already or never did; only then reads the claims' failures."""
    corrected = False
    for action, _ in conditions:
        if action.kind == "ref":
            plan.drop_reference(str(action.subject), action.source)
            corrected = True
        elif action.kind == "deref":
            plan.drop_dereference(str(action.subject), action.source)
            corrected = True
    for action, old in conditions:
        if action.kind == "claim" and not corrected and (error := plan.explain_claim_failure(str(action.subject), old)):
            raise error
    return "index"


def _messages(failed: list[tuple[Action, dict[str, Any]]]) -> str:
    return "; ".join(f"{action.kind} {action.subject}: {reason['Code']} {reason.get('Message', '')}".strip()
                     for action, reason in failed)


def _pause(reason: str, count: int) -> None:
    """Backs off (full jitter) after contention, and after repeated losses of a shard head."""
    if reason == "contention":
        if count > MAX_CONTENTION_RETRIES:
            raise StoreUnavailable("DynamoDB stayed too busy to commit (transaction conflicts or throttling)")
        time.sleep(random.uniform(0, min(1.0, 0.025 * 2 ** count)))
    elif reason == "feed" and count > 2:
        time.sleep(random.uniform(0, min(0.05, 0.001 * 2 ** count)))
