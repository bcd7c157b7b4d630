"""What the MessageBus tells its observers: each command's type and outcome, and the events it appended."""

from collections.abc import Sequence
from dataclasses import replace

import pytest

from application.envelope import StoredEvent
from application.errors import ConcurrencyError, DuplicateCommand, UniquenessViolation
from domain.commands import CreateProduct, UpdateProductDetails
from domain.errors import InvalidValue
from tests.unit.catalog import BOOT, CONTEXT, SHOES, Catalog
from tests.unit.given import PRODUCT_ID, SECOND_PRODUCT_ID


class RecordingObserver:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, list[str]]] = []

    def command_handled(self, command_type: str, outcome: str, events: Sequence[StoredEvent]) -> None:
        self.seen.append((command_type, outcome, [event.event_type for event in events]))


@pytest.fixture
def observer(catalog: Catalog) -> RecordingObserver:
    recorder = RecordingObserver()
    catalog.bus.observers.append(recorder)
    return recorder


def test_an_accepted_command_is_reported_with_the_events_it_appended(catalog, observer):
    catalog.handle(SHOES, BOOT)

    assert observer.seen == [("CreateCategory", "accepted", ["CategoryCreated"]),
                             ("CreateProduct", "accepted", ["ProductCreated"])]


def test_a_command_refused_for_a_bad_value_or_a_taken_key_is_rejected(catalog, observer):
    catalog.handle(SHOES, BOOT)
    with pytest.raises(UniquenessViolation):
        catalog.handle(CreateProduct(SECOND_PRODUCT_ID, "boot-1", "Another boot"))
    catalog.handle(UpdateProductDetails(PRODUCT_ID, name="Boot"))  # no change: accepted, nothing appended
    with pytest.raises(InvalidValue):
        catalog.handle(UpdateProductDetails(PRODUCT_ID, name=""))

    assert observer.seen[2:] == [("CreateProduct", "rejected", []), ("UpdateProductDetails", "accepted", []),
                                 ("UpdateProductDetails", "rejected", [])]


def test_a_stale_pinned_version_is_a_conflict(catalog, observer):
    catalog.handle(SHOES, BOOT)
    with pytest.raises(ConcurrencyError):
        catalog.handle(UpdateProductDetails(PRODUCT_ID, name="Stale", expected_version=0))

    assert observer.seen[-1] == ("UpdateProductDetails", "conflict", [])


def test_a_retry_of_a_command_already_carried_out_is_a_duplicate(catalog, observer):
    catalog.handle(SHOES)
    keyed = replace(CONTEXT, idempotency_key="create-boot-once")
    catalog.handle(BOOT, context=keyed)
    with pytest.raises(DuplicateCommand):
        catalog.handle(BOOT, context=replace(keyed, causation_id="command-2"))

    assert [outcome for _, outcome, _ in observer.seen] == ["accepted", "accepted", "duplicate"]
