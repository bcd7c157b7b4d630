"""Questions about the past through TemporalQueries: a version, a moment, a bitemporal price."""

from dataclasses import replace
from decimal import Decimal

import pytest

from adapters.memory.snapshot_store import MemorySnapshotStore
from application.envelope import Snapshot
from application.errors import AppendRefused, NotFound
from application.repository import snapshot_id
from domain.commands import AddDiscount, RemoveDiscount, SetPrice, UpdateProductDetails
from domain.pricing import PriceHistory, Pricing, pricing_id
from domain.product import Product
from tests.unit.catalog import BOOT, SHOES, Catalog
from tests.unit.given import DAY, HOUR, NOW, PRODUCT_ID


def renamed(name: str) -> UpdateProductDetails:
    return UpdateProductDetails(PRODUCT_ID, name=name)


def prices_at(catalog: Catalog, *moments, known_at=None) -> list[Decimal]:
    return [catalog.temporal.price(PRODUCT_ID, "EUR", at, known_at).base for at in moments]


def test_state_at_a_version_is_the_product_as_it_was_then(boot):
    boot.handle(renamed("Hiking boot"), renamed("Trail boot"))

    assert [boot.temporal.state(Product, PRODUCT_ID, version=v).name for v in (1, 2, 3)] == [
        "Boot", "Hiking boot", "Trail boot"]
    assert boot.temporal.state(Product, PRODUCT_ID).version == 3


def test_state_at_a_version_the_product_never_reached_is_not_found(boot):
    with pytest.raises(NotFound):
        boot.temporal.state(Product, PRODUCT_ID, version=2)


def test_state_as_of_a_moment_is_the_product_as_it_stood_then(boot):
    boot.clock.advance(hours=1)
    boot.handle(renamed("Hiking boot"))

    assert boot.temporal.state(Product, PRODUCT_ID, as_of=NOW + HOUR / 2).name == "Boot"
    assert boot.temporal.state(Product, PRODUCT_ID, as_of=NOW + HOUR).name == "Hiking boot"
    with pytest.raises(NotFound):
        boot.temporal.state(Product, PRODUCT_ID, as_of=NOW - HOUR)


def test_temporal_loads_start_from_a_snapshot_at_or_before_the_version_asked(boot):
    boot.handle(*(renamed(f"Boot {n}") for n in range(4)))  # versions 2-5; a snapshot at 3
    saved = boot.snapshots.latest(PRODUCT_ID, Product.SNAPSHOT_SCHEMA, up_to_version=4)
    boot.snapshots.save(replace(saved, state={**saved.state, "brand": "From snapshot 3"}))

    brands = [boot.temporal.state(Product, PRODUCT_ID, version=v).brand for v in (2, 3, 5)]

    assert brands == ["", "From snapshot 3", "From snapshot 3"]


def test_a_price_changed_later_is_still_known_at_the_moments_it_was_in_effect(boot):
    boot.handle(SetPrice(PRODUCT_ID, "10.00", "EUR"))
    boot.clock.advance(hours=2)
    boot.handle(SetPrice(PRODUCT_ID, "12.00", "EUR"))

    assert prices_at(boot, NOW, NOW + HOUR, NOW + 2 * HOUR) == [Decimal("10.00"), Decimal("10.00"), Decimal("12.00")]
    with pytest.raises(NotFound):
        boot.temporal.price(PRODUCT_ID, "EUR", NOW - HOUR)


def test_the_price_at_t_as_known_at_t_prime_sees_only_what_was_recorded_by_t_prime(boot):
    boot.handle(SetPrice(PRODUCT_ID, "20.00", "EUR"))
    boot.clock.advance(days=1)
    boot.handle(SetPrice(PRODUCT_ID, "30.00", "EUR", effective_from=NOW + 10 * DAY))
    boot.clock.advance(days=1)
    boot.handle(SetPrice(PRODUCT_ID, "35.00", "EUR", effective_from=NOW + 10 * DAY))

    at_day_ten = NOW + 10 * DAY
    assert prices_at(boot, at_day_ten, known_at=NOW + HOUR) == [Decimal("20.00")]
    assert prices_at(boot, at_day_ten, known_at=NOW + DAY + HOUR) == [Decimal("30.00")]
    assert prices_at(boot, at_day_ten, known_at=NOW + 2 * DAY) == [Decimal("35.00")]
    assert prices_at(boot, at_day_ten) == [Decimal("35.00")]
    with pytest.raises(NotFound):
        boot.temporal.price(PRODUCT_ID, "EUR", at_day_ten, known_at=NOW - HOUR)


def test_the_quote_at_a_moment_applies_the_discounts_valid_then(boot):
    boot.handle(SetPrice(PRODUCT_ID, "20.00", "EUR"),
                AddDiscount(PRODUCT_ID, "spring", "percentage", "25", valid_from=NOW + DAY, valid_until=NOW + 2 * DAY))

    quotes = [boot.temporal.price(PRODUCT_ID, "EUR", at) for at in (NOW, NOW + DAY, NOW + 2 * DAY)]

    assert [quote.effective for quote in quotes] == [Decimal("20.00"), Decimal("15.00"), Decimal("20.00")]


def test_history_is_the_audit_trail_oldest_first(boot):
    boot.handle(renamed("Hiking boot"), SetPrice(PRODUCT_ID, "20.00", "EUR"))

    assert [event.event_type for event in boot.temporal.history(PRODUCT_ID)] == [
        "ProductCreated", "ProductDetailsUpdated"]
    assert [event.event_type for event in boot.temporal.history(pricing_id(PRODUCT_ID))] == ["PriceSet"]
    with pytest.raises(NotFound):
        boot.temporal.history(pricing_id(pricing_id(PRODUCT_ID)))


def test_a_discount_removed_later_still_applies_to_the_moments_it_was_in_effect(boot):
    boot.handle(SetPrice(PRODUCT_ID, "20.00", "EUR"), AddDiscount(PRODUCT_ID, "half", "percentage", "50"))
    boot.clock.advance(days=2)
    boot.handle(RemoveDiscount(PRODUCT_ID, "half"))

    assert boot.temporal.price(PRODUCT_ID, "EUR", NOW + DAY, known_at=NOW + DAY).effective == Decimal("10.00")
    assert boot.temporal.price(PRODUCT_ID, "EUR", NOW + DAY).effective == Decimal("10.00")


def test_a_removed_discount_no_longer_applies_from_the_moment_it_was_removed(boot):
    boot.handle(SetPrice(PRODUCT_ID, "20.00", "EUR"), AddDiscount(PRODUCT_ID, "half", "percentage", "50"))
    boot.clock.advance(days=2)
    removal = boot.handle(RemoveDiscount(PRODUCT_ID, "half")).events[0]

    assert (removal.data["removedAt"], removal.timestamp) == ("2024-05-03T12:00:00.000Z", NOW + 2 * DAY)
    quotes = [boot.temporal.price(PRODUCT_ID, "EUR", at) for at in (NOW + 2 * DAY, NOW + 3 * DAY)]
    assert [(quote.effective, quote.discount) for quote in quotes] == [(Decimal("20.00"), None)] * 2
    # as known before the removal, the discount was open-ended
    assert boot.temporal.price(PRODUCT_ID, "EUR", NOW + 3 * DAY, known_at=NOW + DAY).effective == Decimal("10.00")


def test_a_discount_added_later_does_not_apply_to_moments_before_it_existed(boot):
    boot.handle(SetPrice(PRODUCT_ID, "20.00", "EUR"))
    boot.clock.advance(days=2)
    boot.handle(AddDiscount(PRODUCT_ID, "five-off", "fixed", "5.00", "EUR"))

    assert boot.temporal.price(PRODUCT_ID, "EUR", NOW + 3 * DAY).effective == Decimal("15.00")
    assert boot.temporal.price(PRODUCT_ID, "EUR", NOW + DAY).effective == Decimal("20.00")


def test_a_price_change_after_the_clock_stepped_back_replaces_the_current_price(boot):
    boot.clock.advance(hours=1)
    boot.handle(SetPrice(PRODUCT_ID, "20.00", "EUR"))
    boot.clock.advance(hours=-2)

    result = boot.handle(SetPrice(PRODUCT_ID, "25.00", "EUR"))

    assert [event.event_type for event in result.events] == ["PriceChanged"]
    [changed] = result.events
    assert (changed.timestamp, changed.data["effectiveFrom"], changed.data["previousAmount"]) == (
        NOW + HOUR, "2024-05-01T13:00:00.000Z", "20.00")
    assert boot.temporal.price(PRODUCT_ID, "EUR", result.events[0].timestamp).base == Decimal("25.00")


def test_a_discount_added_after_the_clock_stepped_back_starts_when_it_is_recorded(boot):
    boot.clock.advance(hours=1)
    boot.handle(SetPrice(PRODUCT_ID, "20.00", "EUR"))
    boot.clock.advance(hours=-2)

    [added] = boot.handle(AddDiscount(PRODUCT_ID, "half", "percentage", "50")).events

    assert (added.timestamp, added.data["validFrom"]) == (NOW + HOUR, "2024-05-01T13:00:00.000Z")


def price_story(catalog: Catalog) -> None:
    """A day by day story of prices and discounts, some scheduled, one removed."""
    catalog.handle(SHOES, BOOT, SetPrice(PRODUCT_ID, "20.00", "EUR"))
    for day in range(1, 6):
        catalog.clock.advance(days=1)
        catalog.handle(SetPrice(PRODUCT_ID, f"{20 + day}.00", "EUR"),
                       SetPrice(PRODUCT_ID, f"{40 + day}.00", "EUR", effective_from=NOW + (day + 3) * DAY))
        if day == 2:
            catalog.handle(AddDiscount(PRODUCT_ID, "tenth", "percentage", "10"))
        if day == 4:
            catalog.handle(RemoveDiscount(PRODUCT_ID, "tenth"))


def price_answers(catalog: Catalog) -> list[tuple[Decimal, Decimal]]:
    """The quote at every half day, as known at every half day (where there was a price)."""
    moments = [NOW + n * DAY / 2 for n in range(20)]
    return [(quote.base, quote.effective) for known_at in moments for at in moments
            if at >= NOW and known_at >= NOW
            for quote in [catalog.temporal.price(PRODUCT_ID, "EUR", at, known_at)]]


def test_a_price_history_rebuilt_from_many_events_is_snapshotted_apart_from_the_pricings():
    catalog = Catalog(snapshot_every=4)
    price_story(catalog)
    stream = pricing_id(PRODUCT_ID)
    version = len(catalog.stream(stream))

    catalog.temporal.price(PRODUCT_ID, "EUR", NOW + DAY)

    history = catalog.snapshots.latest(snapshot_id(PriceHistory, stream), PriceHistory.SNAPSHOT_SCHEMA)
    assert history is not None and history.version == version and len(history.state["timeline"]["EUR"]) == 11
    assert [row[0] for row in history.state["endedDiscounts"]] == ["tenth"]
    pricing = catalog.snapshots.latest(stream, Pricing.SNAPSHOT_SCHEMA)
    assert pricing is not None and "endedDiscounts" not in pricing.state  # the commits' own, left as they were


def test_price_questions_answered_from_history_snapshots_are_answered_as_from_the_events():
    """Snapshots at every few events, each taken by a question (as known at some moment) and
    used by later ones: the answers are those of a catalog that never snapshots."""
    replayed, snapshotted = Catalog(snapshot_every=0), Catalog(snapshot_every=2)
    for catalog in (replayed, snapshotted):
        price_story(catalog)

    expected = price_answers(replayed)

    assert price_answers(snapshotted) == expected  # takes the snapshots as it goes
    assert price_answers(snapshotted) == expected  # answers from them
    stream = snapshot_id(PriceHistory, pricing_id(PRODUCT_ID))
    assert snapshotted.snapshots.latest(stream, PriceHistory.SNAPSHOT_SCHEMA) is not None
    assert replayed.snapshots.latest(stream, PriceHistory.SNAPSHOT_SCHEMA) is None


class RefusingSnapshots(MemorySnapshotStore):
    def save(self, snapshot: Snapshot) -> None:
        raise AppendRefused("too big to keep")


def test_a_price_history_snapshot_that_cannot_be_kept_leaves_the_answer_as_it_is(caplog):
    catalog = Catalog(snapshot_every=2)
    price_story(catalog)
    expected = price_answers(catalog)
    catalog.repository.snapshots = RefusingSnapshots()

    assert price_answers(catalog) == expected
    assert "too big to keep" in caplog.text
