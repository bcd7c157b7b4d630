"""What the unit of work writes besides the events' data: envelopes, timestamps and snapshots."""

import json
import uuid
from dataclasses import replace

from application.envelope import Snapshot
from application.unit_of_work import CommandContext
from domain.commands import SetPrice, UpdateProductDetails
from domain.pricing import pricing_id
from domain.product import Product
from tests.unit.catalog import BOOT, SHOES, Catalog
from tests.unit.given import CATEGORY_ID, HOUR, NOW, PRODUCT_ID


def rename(times: int) -> list[UpdateProductDetails]:
    return [UpdateProductDetails(PRODUCT_ID, name=f"Boot {n}") for n in range(times)]


def test_every_stored_event_carries_the_full_envelope(catalog):
    catalog.handle(SHOES, BOOT)
    later = CommandContext(user_id="bob", correlation_id="request-2", causation_id="command-2")
    catalog.handle(UpdateProductDetails(PRODUCT_ID, brand="Acme"), SetPrice(PRODUCT_ID, "19.99", "EUR"),
                   context=later)

    first, second = (event.envelope() for event in catalog.stream(PRODUCT_ID))
    [price] = (event.envelope() for event in catalog.stream(pricing_id(PRODUCT_ID)))

    assert {key: first[key] for key in first if key != "eventId"} == {
        "entityId": PRODUCT_ID, "sequenceNumber": 1, "eventType": "ProductCreated", "eventVersion": 1,
        "aggregateType": "product", "timestamp": "2024-05-01T12:00:00.000Z", "userId": "alice",
        "correlationId": "request-1", "causationId": "command-1",
        "eventData": {"sku": "BOOT-1", "name": "Boot", "description": "", "brand": "", "attributes": {},
                      "categoryIds": [CATEGORY_ID]}}
    assert (second["sequenceNumber"], second["eventData"], second["userId"], second["causationId"]) == (
        2, {"brand": "Acme"}, "bob", "command-2")
    assert (price["entityId"], price["aggregateType"], price["eventData"]["amount"]) == (
        pricing_id(PRODUCT_ID), "price", "19.99")
    assert len({str(uuid.UUID(envelope["eventId"])) for envelope in (first, second, price)}) == 3
    assert json.loads(json.dumps(price))["eventData"]["effectiveFrom"] == "2024-05-01T12:00:00.000Z"


def test_sequence_numbers_run_from_1_without_gaps(boot):
    boot.handle(*rename(5))

    assert [event.sequence_number for event in boot.stream(PRODUCT_ID)] == [1, 2, 3, 4, 5, 6]


def test_event_timestamps_never_go_backwards_within_a_stream_even_if_the_clock_does(boot):
    boot.clock.advance(hours=-1)
    boot.handle(UpdateProductDetails(PRODUCT_ID, name="Earlier clock"))
    boot.clock.advance(hours=2)
    boot.handle(UpdateProductDetails(PRODUCT_ID, name="Later clock"))

    assert [event.timestamp for event in boot.stream(PRODUCT_ID)] == [NOW, NOW, NOW + HOUR]


# snapshots


def snapshot_versions_after_each_command(catalog: Catalog, commands) -> list[int | None]:
    versions = []
    for command in commands:
        catalog.handle(command)
        latest = catalog.snapshots.latest(PRODUCT_ID, Product.SNAPSHOT_SCHEMA)
        versions.append(latest and latest.version)
    return versions


def test_a_snapshot_is_written_each_time_the_stream_passes_a_multiple_of_n_events():
    catalog = Catalog(snapshot_every=3)
    catalog.handle(SHOES)

    versions = snapshot_versions_after_each_command(catalog, [BOOT, *rename(6)])

    assert versions == [None, None, 3, 3, 3, 6, 6]
    latest = catalog.snapshots.latest(PRODUCT_ID, Product.SNAPSHOT_SCHEMA)
    assert (latest.state["name"], latest.aggregate_type, latest.timestamp) == ("Boot 4", "product", NOW)


def test_no_snapshot_is_written_when_n_is_zero():
    catalog = Catalog(snapshot_every=0)
    catalog.handle(SHOES)

    assert snapshot_versions_after_each_command(catalog, [BOOT, *rename(4)]) == [None] * 5


def test_a_load_starts_from_the_latest_snapshot_and_replays_the_events_after_it():
    catalog = Catalog(snapshot_every=3)
    catalog.handle(SHOES, BOOT, *rename(3))
    saved = catalog.snapshots.latest(PRODUCT_ID, Product.SNAPSHOT_SCHEMA)
    catalog.snapshots.save(replace(saved, state={**saved.state, "brand": "Only in the snapshot"}))

    product = catalog.load(Product, PRODUCT_ID)

    assert (product.version, product.name, product.brand) == (4, "Boot 2", "Only in the snapshot")
    assert catalog.replayed(Product, PRODUCT_ID).brand == ""


def test_a_snapshot_of_an_older_schema_or_another_aggregate_type_is_ignored(boot):
    marked = {**Product(PRODUCT_ID).snapshot_state(), "name": "Stale"}
    for schema, aggregate_type in ((Product.SNAPSHOT_SCHEMA - 1, "product"), (Product.SNAPSHOT_SCHEMA, "category")):
        boot.snapshots.save(Snapshot(PRODUCT_ID, aggregate_type, 1, schema, marked, NOW))

        assert boot.load(Product, PRODUCT_ID).name == "Boot"
