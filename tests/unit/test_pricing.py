"""Pricing: base prices per currency, scheduled changes, the pruned timeline and its history."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.errors import InvalidValue
from domain.pricing import PriceHistory, Pricing, pricing_id
from domain.values import Money
from tests.unit.given import (
    DAY,
    HOUR,
    NOW,
    PRICING_ID,
    PRODUCT_ID,
    discount_added,
    given,
    price_changed,
    price_scheduled,
    price_set,
)


def pricing_after(*events) -> Pricing:
    return given(Pricing, PRICING_ID, *events)


def set_price(pricing: Pricing, amount: str, currency: str = "EUR", effective_from=None, now=NOW) -> None:
    pricing.set_price(PRODUCT_ID, Money.of(amount, currency), now, effective_from)


def test_the_first_price_in_a_currency_records_price_set_effective_now():
    pricing = pricing_after()

    set_price(pricing, "19.99")

    assert pricing.collect_events() == [price_set("19.99")]
    assert pricing.base_price("EUR", NOW) == Decimal("19.99")


def test_a_later_price_records_price_changed_with_the_previous_amount():
    pricing = pricing_after(price_set("19.99"))

    set_price(pricing, "24.50", now=NOW + HOUR)

    assert pricing.collect_events() == [price_changed("24.50", previous="19.99", at=NOW + HOUR)]


def test_each_currency_has_its_own_first_price():
    pricing = pricing_after(price_set("19.99", "EUR"))

    set_price(pricing, "2500", "JPY")

    assert pricing.collect_events() == [price_set("2500", "JPY")]
    assert pricing.currencies() == ["EUR", "JPY"]


def test_setting_the_price_already_in_effect_records_nothing():
    pricing = pricing_after(price_set("19.99"))

    set_price(pricing, "19.990", now=NOW + HOUR)

    assert pricing.collect_events() == []


def test_a_future_effective_from_schedules_the_change_and_it_takes_effect_at_its_time():
    pricing = pricing_after(price_set("19.99"))

    set_price(pricing, "24.99", effective_from=NOW + DAY)

    assert pricing.collect_events() == [price_scheduled("24.99", at=NOW + DAY)]
    assert pricing.base_price("EUR", NOW + DAY - timedelta(milliseconds=1)) == Decimal("19.99")
    assert pricing.base_price("EUR", NOW + DAY) == Decimal("24.99")


def test_scheduling_the_price_that_will_be_in_effect_anyway_records_nothing():
    pricing = pricing_after(price_set("19.99"), price_scheduled("24.99", at=NOW + DAY))

    set_price(pricing, "24.99", effective_from=NOW + 2 * DAY)

    assert pricing.collect_events() == []


def test_a_scheduled_price_alone_is_not_a_current_price_until_its_time():
    pricing = pricing_after(price_scheduled("24.99", at=NOW + DAY))

    assert not pricing.has_current_price(NOW)
    assert pricing.has_current_price(NOW + DAY)


def test_a_backdated_effective_from_is_refused():
    pricing = pricing_after(price_set("19.99"))

    with pytest.raises(InvalidValue, match="effectiveFrom"):
        set_price(pricing, "24.99", effective_from=NOW - timedelta(minutes=2))
    assert pricing.collect_events() == []


def test_an_effective_from_a_few_seconds_ago_is_taken_as_now():
    pricing = pricing_after()

    set_price(pricing, "19.99", effective_from=NOW - timedelta(seconds=30))

    assert pricing.collect_events() == [price_set("19.99", at=NOW)]


def test_a_zoned_effective_from_is_scheduled_in_utc_to_the_millisecond():
    pricing = pricing_after(price_set("19.99"))
    in_new_york = (NOW + DAY + timedelta(microseconds=2_999)).astimezone(timezone(timedelta(hours=-4)))

    set_price(pricing, "24.99", effective_from=in_new_york)

    [scheduled] = pricing.collect_events()
    assert scheduled == price_scheduled("24.99", at=NOW + DAY + timedelta(milliseconds=2))
    assert scheduled.effectiveFrom.tzinfo == UTC


def test_an_effective_from_less_than_a_millisecond_ahead_takes_effect_now():
    pricing = pricing_after(price_set("19.99"))

    set_price(pricing, "24.99", effective_from=NOW + timedelta(microseconds=999))

    assert pricing.collect_events() == [price_changed("24.99", previous="19.99", at=NOW)]


def test_an_effective_from_without_a_time_zone_is_refused():
    pricing = pricing_after(price_set("19.99"))

    with pytest.raises(InvalidValue, match="effectiveFrom"):
        set_price(pricing, "24.99", effective_from=datetime(2030, 1, 1))
    assert pricing.collect_events() == []


def test_an_immediate_change_prunes_the_superseded_timeline_but_price_history_keeps_every_price():
    events = (price_set("10.00"), price_changed("12.00", "10.00", at=NOW + HOUR),
              price_changed("15.00", "12.00", at=NOW + 2 * HOUR))

    pricing, history = pricing_after(*events), given(PriceHistory, PRICING_ID, *events)

    assert [amount for _, _, amount in pricing.timeline["EUR"]] == [Decimal("15.00")]
    assert pricing.base_price("EUR", NOW + 90 * timedelta(minutes=1)) is None
    assert [history.base_price("EUR", NOW + hours * HOUR) for hours in (0, 1, 2)] == [
        Decimal("10.00"), Decimal("12.00"), Decimal("15.00")]
    assert history.base_price("EUR", NOW - HOUR) is None


def test_an_immediate_change_leaves_a_change_scheduled_for_later_in_place():
    pricing = pricing_after(price_set("10.00"), price_scheduled("30.00", at=NOW + DAY))

    set_price(pricing, "20.00", now=NOW + HOUR)

    assert pricing.base_price("EUR", NOW + HOUR) == Decimal("20.00")
    assert pricing.base_price("EUR", NOW + DAY) == Decimal("30.00")


def test_of_two_prices_effective_at_the_same_moment_the_later_recorded_wins():
    events = (price_set("10.00"), price_scheduled("30.00", at=NOW + DAY), price_scheduled("35.00", at=NOW + DAY))

    for cls in (Pricing, PriceHistory):
        assert given(cls, PRICING_ID, *events).base_price("EUR", NOW + DAY) == Decimal("35.00")


def test_the_pricing_stream_id_is_derived_from_the_product_id():
    assert pricing_id(PRODUCT_ID) == pricing_id(PRODUCT_ID) != pricing_id(PRICING_ID)


def test_snapshot_round_trip_gives_back_the_same_pricing():
    pricing = pricing_after(price_set("10.00"), price_set("1500", "JPY"), price_scheduled("12.00", at=NOW + DAY),
                            discount_added("d1", "percentage", "10", valid_until=NOW + DAY),
                            discount_added("d2", "fixed", "2.00", "EUR", valid_from=NOW + HOUR))

    restored = Pricing.from_snapshot(PRICING_ID, pricing.version, pricing.snapshot_state())

    assert vars(restored) == vars(pricing)
    assert restored.quote("EUR", NOW + 2 * HOUR).effective == Decimal("8.00")
    assert restored.version == 5
