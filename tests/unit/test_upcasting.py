"""The EventMapper: old event versions are upcast on read, step by step, without touching what is stored."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from application.envelope import StoredEvent
from application.errors import UnknownEventVersion
from application.mapper import EventMapper
from domain.events import ALL_EVENTS, PriceChanged, ProductCreated, ProductDetailsUpdated
from domain.events.base import DomainEvent
from domain.product import Product
from tests.unit.catalog import Catalog
from tests.unit.given import NOW, PRODUCT_ID, product_created


@dataclass(frozen=True, slots=True)
class ProductLabelled(DomainEvent):
    """Test-only event at schema 3. v1: {text, grams, labelledAt, tags}; v2 renamed text → label;
    v3 turned grams into a Decimal weight in kg and added a note."""

    VERSION: ClassVar[int] = 3

    label: str
    weightKg: Decimal
    labelledAt: datetime
    tags: tuple[str, ...]
    note: str | None


def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    data["label"] = data.pop("text")  # in place, on purpose: the mapper must hand over a copy
    return data


def v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    grams = data.pop("grams")
    return {**data, "weightKg": str(Decimal(grams) / 1000), "note": None}


def refuse(data: dict[str, Any]) -> dict[str, Any]:
    raise AssertionError(f"upcaster called on {data}")


V1 = {"text": "Sale", "grams": "1500", "labelledAt": "2024-05-01T12:00:00.000Z", "tags": ["Red"]}
V2 = {"label": "Sale", "grams": "1500", "labelledAt": "2024-05-01T12:00:00.000Z", "tags": ["Red"]}
V3 = {"label": "Sale", "weightKg": "1.5", "labelledAt": "2024-05-01T12:00:00.000Z", "tags": ["Red"], "note": None}
UPCAST = ProductLabelled(label="Sale", weightKg=Decimal("1.5"), labelledAt=NOW, tags=("Red",), note=None)


def stored(data: dict[str, Any], version: int, event_type: str = "ProductLabelled") -> StoredEvent:
    return StoredEvent(PRODUCT_ID, 1, "00000000-0000-0000-0000-000000000001", event_type, version, "product",
                       data, NOW, "alice", "request-1", "command-1")


def mapper(from_v1=v1_to_v2, from_v2=v2_to_v3) -> EventMapper:
    chain = {("ProductLabelled", 1): from_v1, ("ProductLabelled", 2): from_v2}
    return EventMapper([ProductLabelled, ProductCreated, PriceChanged], chain)


def test_a_version_1_event_is_upcast_through_every_step_to_the_current_version():
    assert mapper().to_event(stored(dict(V1), 1)) == UPCAST


def test_a_version_2_event_starts_the_chain_at_its_own_version():
    assert mapper(from_v1=refuse).to_events([stored(dict(V2), 2)]) == [UPCAST]


def test_an_event_already_at_the_current_version_is_not_upcast():
    assert mapper(from_v1=refuse, from_v2=refuse).to_event(stored(dict(V3), 3)) == UPCAST


def test_upcasting_hands_back_the_current_version_and_leaves_the_stored_event_as_it_was():
    original = stored(dict(V1), 1)

    upcast = mapper().upcast(original)

    assert (upcast.event_version, upcast.data["label"], upcast.data["weightKg"]) == (3, "Sale", "1.5")
    assert (original.event_version, original.data) == (1, V1)
    assert upcast._replace(data=V1, event_version=1) == original


def test_decimal_datetime_and_tuple_fields_round_trip_through_json():
    event = ProductLabelled(label="Sale", weightKg=Decimal("1.250"), labelledAt=datetime(2024, 5, 1, 12, 0, 0, 123000,
                            tzinfo=UTC), tags=("red", "wide"), note=None)

    data = json.loads(json.dumps(mapper().to_data(event)))

    assert data == {"label": "Sale", "weightKg": "1.250", "labelledAt": "2024-05-01T12:00:00.123Z",
                    "tags": ["red", "wide"], "note": None}
    assert mapper().to_event(stored(data, 3)) == event


@pytest.mark.parametrize("event", [
    product_created(attributes={"size": 42, "fit": 1.5, "waterproof": True}),
    PriceChanged(productId=PRODUCT_ID, currency="EUR", amount=Decimal("19.90"), previousAmount=Decimal("20"),
                 effectiveFrom=NOW),
], ids=["ProductCreated", "PriceChanged"])
def test_domain_events_round_trip_through_json(event):
    data = json.loads(json.dumps(mapper().to_data(event)))

    assert mapper().to_event(stored(data, 1, type(event).__name__)) == event


def test_an_upcaster_editing_nested_data_does_not_change_the_stored_event():
    def lower_tags_in_place(data: dict[str, Any]) -> dict[str, Any]:
        data["tags"][:] = [tag.lower() for tag in data["tags"]]
        return v2_to_v3(data)
    original = stored({**V2, "tags": ["Red"]}, 2)

    assert mapper(from_v2=lower_tags_in_place).to_event(original).tags == ("red",)
    assert original.data["tags"] == ["Red"]


def test_an_event_newer_than_this_code_knows_is_refused_as_an_unknown_version():
    original = stored(dict(V3), 4)

    with pytest.raises(UnknownEventVersion, match="ProductLabelled version 4 is newer"):
        mapper(from_v1=refuse, from_v2=refuse).to_event(original)
    assert (original.event_version, original.data) == (4, V3)


def test_an_old_event_without_an_upcaster_for_one_of_its_steps_is_refused_as_an_unknown_version():
    chain = {("ProductLabelled", 1): v1_to_v2}  # nothing lifts version 2

    with pytest.raises(UnknownEventVersion, match="no upcaster for ProductLabelled version 2"):
        EventMapper([ProductLabelled], chain).to_events([stored(dict(V1), 1)])


def test_an_unknown_version_is_refused_by_the_audit_trail_too():
    catalog = Catalog()
    catalog.store.append(PRODUCT_ID, 0, [stored(mapper().to_data(product_created()), 2, "ProductCreated")])

    with pytest.raises(UnknownEventVersion):
        catalog.temporal.history(PRODUCT_ID)
    with pytest.raises(UnknownEventVersion):
        catalog.load(Product, PRODUCT_ID)


# events stored by earlier code


def stored_in(stream: str, number: int, event_type: str, data: dict[str, Any], at: datetime) -> StoredEvent:
    """A version-1 event of the pricing stream, as the store holds it."""
    return StoredEvent(stream, number, str(uuid.UUID(int=number)), event_type, 1, "price", data, at, "alice",
                       "request-1", "command-1")


def test_a_details_update_stores_only_the_fields_that_changed_and_reads_back_whole():
    mapper = EventMapper(ALL_EVENTS)
    event = ProductDetailsUpdated(brand="Acme")

    data = mapper.to_data(event)

    assert data == {"brand": "Acme"}
    stored = StoredEvent("p", 2, "e", "ProductDetailsUpdated", 1, "product", data, NOW, "u", "c", "k")
    assert mapper.to_event(stored) == event
