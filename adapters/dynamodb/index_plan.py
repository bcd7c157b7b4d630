"""Unique keys and references as index-table actions, and what their failures mean.

Per key: one claim item (``#claim``: owner, refCount) and one item per referring source
(``ref#<source>``). Adding a reference puts its item (if absent) and adds one to the target's
refCount on condition that the claim exists; a release deletes the claim only while refCount is
what this commit removes. The counter makes "still referred to?" one condition in a transaction.
"""

from dataclasses import dataclass, field

from adapters.dynamodb.actions import Action, Condition, delete, put, update
from adapters.dynamodb.items import Item, integer, number, text
from adapters.dynamodb.tables import CLAIM_ENTRY, REFERENCE_PREFIX
from application.envelope import IndexChanges
from application.errors import ApplicationError, MissingReference, StillReferenced, UniquenessViolation

NAMES = {"#owner": "owner", "#refs": "refCount"}


@dataclass
class KeyChange:
    claim: str | None = None  # the new owner
    release: str | None = None  # the owner giving the key up
    added: set[str] = field(default_factory=set)  # sources that start referring to the key
    removed: set[str] = field(default_factory=set)  # sources that stop

    def __bool__(self) -> bool:
        return bool(self.claim or self.release or self.added or self.removed)


class IndexPlan:
    """The index changes of one commit, narrowed between attempts as the table shows what holds."""

    def __init__(self, index: IndexChanges) -> None:
        self.keys: dict[str, KeyChange] = {}
        for key, owner in index.claims.items():
            self._change(key).claim = owner
        for key, owner in index.releases.items():
            self._change(key).release = owner
        for key, source in index.dereferences:
            self._change(key).removed.add(source)
        for key, source in index.references:
            self._change(key).added.add(source)
            self._change(key).removed.discard(source)
        for key, change in self.keys.items():
            if change.release and change.added and not change.claim:
                raise StillReferenced(key)

    def _change(self, key: str) -> KeyChange:
        return self.keys.setdefault(key, KeyChange())

    def actions(self, table: str) -> list[Action]:
        actions: list[Action] = []
        for key, change in sorted(self.keys.items()):
            actions += [_reference(table, key, source) for source in sorted(change.added)]
            actions += [_dereference(table, key, source) for source in sorted(change.removed)]
            if change:
                actions.append(_claim_item_action(table, key, change))
        return actions

    def drop_reference(self, key: str, source: str) -> None:
        """The reference exists already: adding it again changes nothing."""
        self.keys[key].added.discard(source)

    def drop_dereference(self, key: str, source: str) -> None:
        """The reference does not exist: removing it changes nothing."""
        self.keys[key].removed.discard(source)

    def explain_claim_failure(self, key: str, old: Item | None) -> ApplicationError | None:
        """The port error a failed claim-item condition means, or None when a retry decides."""
        change = self.keys[key]
        if old is None or "owner" not in old:
            return MissingReference(key) if change.added and not change.claim else None
        holder = old["owner"]["S"]
        if change.release and integer(old, "refCount") != len(change.removed):
            return StillReferenced(key)
        if change.claim and holder not in (change.claim, change.release):
            return UniquenessViolation(key, holder)
        if change.release and not change.claim and holder != change.release:
            change.release = None  # someone else's key: releasing it is a no-op, as in the other stores
        return None


def _key(key: str, entry: str) -> Item:
    return {"indexKey": text(key), "entry": text(entry)}


def _reference(table: str, key: str, source: str) -> Action:
    item = {**_key(key, REFERENCE_PREFIX + source), "source": text(source)}
    return put("ref", key, table, item, Condition("attribute_not_exists(indexKey)"), source)


def _dereference(table: str, key: str, source: str) -> Action:
    return delete("deref", key, table, _key(key, REFERENCE_PREFIX + source),
                  Condition("attribute_exists(indexKey)"), source)


def _claim_item_action(table: str, key: str, change: KeyChange) -> Action:
    values: Item = {":removed": number(len(change.removed))} if change.release else {}
    if change.release and not change.claim:
        values[":releaser"] = text(change.release)
        condition = Condition("attribute_not_exists(#owner) OR (#owner = :releaser AND #refs = :removed)",
                              NAMES, values, report_old=True)
        return delete("claim", key, table, _key(key, CLAIM_ENTRY), condition)
    values[":delta"] = number(len(change.added) - len(change.removed))
    expression = "ADD #refs :delta"
    if change.claim:
        expression += " SET #owner = :owner"
        values[":owner"] = text(change.claim)
    condition = Condition(_claim_condition(change, values), NAMES, values, report_old=True)
    return update("claim", key, table, _key(key, CLAIM_ENTRY), expression, condition)


def _claim_condition(change: KeyChange, values: Item) -> str:
    if not change.claim:
        return "attribute_exists(#owner)"
    if not change.release:
        return "attribute_not_exists(#owner) OR #owner = :owner"
    values[":releaser"] = text(change.release)
    return ("(attribute_not_exists(#owner) OR #owner = :owner OR #owner = :releaser) "
            "AND (attribute_not_exists(#refs) OR #refs = :removed)")
