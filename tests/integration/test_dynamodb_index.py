"""Unique keys and references in the DynamoDB store: the cases the shared contract leaves out.

References are counted on the claim item so that "still referred to?" is one transaction
condition; these tests show the count stays true when a reference is added twice, removed
when absent, or raced against a release. Against a moto server over HTTP.
"""

import threading
from typing import Any

import pytest

from adapters.dynamodb import DynamoDBEventStore
from application.envelope import IndexChanges
from application.errors import MissingReference, StillReferenced
from tests.contract.stream_builders import events_for, new_id


@pytest.fixture
def store(client: Any, table: str) -> DynamoDBEventStore:
    return DynamoDBEventStore(client, table)


class Stream:
    """One entity's stream, appended to one event at a time with index changes."""

    def __init__(self, store: DynamoDBEventStore) -> None:
        self.store, self.id, self.version = store, new_id(), 0

    def commit(self, index: IndexChanges) -> None:
        self.store.append(self.id, self.version, events_for(self.id, self.version + 1, 1), index)
        self.version += 1


def test_a_reference_added_twice_is_counted_once(store: DynamoDBEventStore) -> None:
    category, product = Stream(store), Stream(store)
    category.commit(IndexChanges(claims={"category:c": category.id}))
    product.commit(IndexChanges(references=(("category:c", "product:p"),)))
    product.commit(IndexChanges(references=(("category:c", "product:p"),)))
    assert store.references_to("category:c") == ["product:p"]

    product.commit(IndexChanges(dereferences=(("category:c", "product:p"),)))
    category.commit(IndexChanges(releases={"category:c": category.id}))

    assert store.owner_of("category:c") is None


def test_removing_a_reference_that_is_not_there_changes_nothing(store: DynamoDBEventStore) -> None:
    category, product = Stream(store), Stream(store)
    category.commit(IndexChanges(claims={"category:c": category.id}))
    product.commit(IndexChanges(dereferences=(("category:c", "product:p"),)))
    assert product.version == 1
    category.commit(IndexChanges(releases={"category:c": category.id}))
    assert store.owner_of("category:c") is None


def test_releasing_a_key_held_by_someone_else_changes_nothing(store: DynamoDBEventStore) -> None:
    holder, other = Stream(store), Stream(store)
    holder.commit(IndexChanges(claims={"sku:A-1": holder.id}))
    other.commit(IndexChanges(releases={"sku:A-1": other.id}))
    assert store.owner_of("sku:A-1") == holder.id


def test_a_key_can_be_claimed_and_referred_to_in_one_commit(store: DynamoDBEventStore) -> None:
    category = Stream(store)
    category.commit(IndexChanges(claims={"category:c": category.id},
                                 references=(("category:c", "product:p"), ("category:c", "product:q"))))
    assert store.references_to("category:c") == ["product:p", "product:q"]
    with pytest.raises(StillReferenced):
        category.commit(IndexChanges(releases={"category:c": category.id},
                                     dereferences=(("category:c", "product:p"),)))
    assert store.references_to("category:c") == ["product:p", "product:q"]


def test_a_key_can_pass_from_one_owner_to_another_in_one_commit(store: DynamoDBEventStore) -> None:
    first, second = Stream(store), Stream(store)
    first.commit(IndexChanges(claims={"sku:A-1": first.id}))
    store.commit([], IndexChanges(releases={"sku:A-1": first.id}, claims={"sku:A-1": second.id}))
    assert store.owner_of("sku:A-1") == second.id


def test_a_release_racing_a_new_reference_leaves_a_consistent_index(store: DynamoDBEventStore) -> None:
    for round_ in range(10):
        key = f"category:{round_}"
        outcomes, source = race_a_release_against_a_reference(store, key)
        if store.owner_of(key) is None:
            assert outcomes == ["missing", "released"]
            assert store.references_to(key) == []
        else:
            assert outcomes == ["referred", "still referred to"]
            assert store.references_to(key) == [source]


def race_a_release_against_a_reference(store: DynamoDBEventStore, key: str) -> tuple[list[str], str]:
    """Releases a claimed key while another stream starts referring to it; returns both outcomes."""
    category, product = Stream(store), Stream(store)
    category.commit(IndexChanges(claims={key: category.id}))
    source, outcomes = f"product:{product.id}", []

    def release() -> None:
        try:
            category.commit(IndexChanges(releases={key: category.id}))
            outcomes.append("released")
        except StillReferenced:
            outcomes.append("still referred to")

    def refer() -> None:
        try:
            product.commit(IndexChanges(references=((key, source),)))
            outcomes.append("referred")
        except MissingReference:
            outcomes.append("missing")

    threads = [threading.Thread(target=release), threading.Thread(target=refer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes), source
