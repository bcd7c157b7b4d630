"""Discounts on a product's pricing: percentages, fixed amounts, validity windows, the best quote."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.errors import InvalidValue, RuleViolation, UnknownPart
from domain.events import DiscountRemoved
from domain.pricing import PriceHistory, Pricing
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

EUR_20 = price_set("20.00")


def pricing_after(*events) -> Pricing:
    return given(Pricing, PRICING_ID, *events)


def add_discount(pricing: Pricing, kind: str, value: object, currency: str | None = None,
                 valid_from=None, valid_until=None, discount_id: str = "d1", now=NOW) -> None:
    pricing.add_discount(PRODUCT_ID, discount_id, kind, value, currency, valid_from, valid_until, now)


def effective_price(pricing: Pricing, at=NOW, currency: str = "EUR") -> Decimal:
    return pricing.quote(currency, at).effective


# percentage


def test_a_percentage_discount_is_recorded_and_lowers_the_price():
    pricing = pricing_after(EUR_20)

    add_discount(pricing, "percentage", "25")

    assert pricing.collect_events() == [discount_added("d1", "percentage", "25", valid_from=NOW)]
    assert effective_price(pricing) == Decimal("15.00")


@pytest.mark.parametrize("value", ["0", "-5", "100.01", "150"])
def test_a_percentage_must_be_more_than_0_and_at_most_100(value):
    with pytest.raises(InvalidValue, match="percentage"):
        add_discount(pricing_after(EUR_20), "percentage", value)


def test_a_100_percent_discount_makes_the_product_free():
    pricing = pricing_after(EUR_20)

    add_discount(pricing, "percentage", "100")

    assert effective_price(pricing) == Decimal("0.00")


@pytest.mark.parametrize("value", [10.5, "ten"])
def test_a_discount_value_must_be_an_exact_decimal(value):
    with pytest.raises(InvalidValue, match="value"):
        add_discount(pricing_after(EUR_20), "percentage", value)


@pytest.mark.parametrize(("base", "currency", "percent", "expected"), [
    ("0.05", "EUR", "50", "0.03"), ("999", "JPY", "10", "899"), ("9.999", "BHD", "50", "5.000"),
])
def test_a_percentage_discount_rounds_half_up_to_the_currencys_minor_units(base, currency, percent, expected):
    pricing = pricing_after(price_set(base, currency), discount_added("d1", "percentage", percent))

    assert effective_price(pricing, currency=currency) == Decimal(expected)


def test_an_unknown_kind_of_discount_is_refused():
    with pytest.raises(InvalidValue, match="kind"):
        add_discount(pricing_after(EUR_20), "bogo", "1")


# fixed amount


def test_a_fixed_discount_is_recorded_in_its_currency_and_lowers_the_price():
    pricing = pricing_after(EUR_20)

    add_discount(pricing, "fixed", "5", "eur")

    assert pricing.collect_events() == [discount_added("d1", "fixed", "5.00", "EUR", valid_from=NOW)]
    assert effective_price(pricing) == Decimal("15.00")


def test_a_fixed_discount_needs_a_currency():
    with pytest.raises(InvalidValue, match="currency"):
        add_discount(pricing_after(EUR_20), "fixed", "5")


def test_a_fixed_discount_needs_a_price_in_its_currency():
    with pytest.raises(RuleViolation, match="no USD price"):
        add_discount(pricing_after(EUR_20), "fixed", "5", "USD")


@pytest.mark.parametrize("value", ["0", "0.001", "-1"])
def test_a_fixed_discount_must_be_a_positive_amount_in_minor_units(value):
    with pytest.raises(InvalidValue, match="value"):
        add_discount(pricing_after(EUR_20), "fixed", value, "EUR")


def test_a_fixed_discount_larger_than_the_price_is_refused():
    with pytest.raises(RuleViolation, match="below zero"):
        add_discount(pricing_after(EUR_20), "fixed", "20.01", "EUR")


def test_a_fixed_discount_is_checked_against_the_price_when_it_starts():
    pricing = pricing_after(EUR_20, price_scheduled("50.00", at=NOW + DAY))

    add_discount(pricing, "fixed", "30", "EUR", valid_from=NOW + DAY)

    assert effective_price(pricing, at=NOW + DAY) == Decimal("20.00")


def test_a_fixed_discount_applies_only_to_prices_in_its_currency():
    pricing = pricing_after(EUR_20, price_set("25.00", "USD"), discount_added("d1", "fixed", "5.00", "EUR"))

    assert effective_price(pricing, currency="USD") == Decimal("25.00")


def test_a_fixed_discount_never_takes_the_price_below_zero_when_the_price_drops():
    pricing = pricing_after(EUR_20, discount_added("d1", "fixed", "15.00", "EUR"),
                            price_changed("10.00", "20.00", at=NOW + HOUR))

    assert effective_price(pricing, at=NOW + HOUR) == Decimal("0.00")


# validity windows


def test_a_discount_applies_from_valid_from_up_to_but_not_at_valid_until():
    pricing = pricing_after(EUR_20)
    add_discount(pricing, "percentage", "50", valid_from=NOW + HOUR, valid_until=NOW + DAY)

    moments = (NOW, NOW + HOUR, NOW + DAY - timedelta(milliseconds=1), NOW + DAY)
    prices = [effective_price(pricing, at) for at in moments]

    assert prices == [Decimal("20.00"), Decimal("10.00"), Decimal("10.00"), Decimal("20.00")]


@pytest.mark.parametrize(("valid_from", "valid_until"), [(NOW + DAY, NOW + DAY), (NOW + DAY, NOW + HOUR), (None, NOW)])
def test_a_validity_window_must_end_after_it_starts_and_in_the_future(valid_from, valid_until):
    with pytest.raises(InvalidValue, match="validUntil"):
        add_discount(pricing_after(EUR_20), "percentage", "10", valid_from=valid_from, valid_until=valid_until)


def test_a_discount_without_valid_from_applies_from_now_on_and_never_to_the_past():
    pricing = pricing_after(price_set("20.00", at=NOW - DAY))

    add_discount(pricing, "percentage", "50", now=NOW + HOUR)

    assert pricing.collect_events()[0].validFrom == NOW + HOUR
    assert [effective_price(pricing, at) for at in (NOW, NOW + HOUR)] == [Decimal("20.00"), Decimal("10.00")]


def test_a_validity_window_is_recorded_in_utc_to_the_millisecond():
    in_paris = timezone(timedelta(hours=2))
    pricing = pricing_after(EUR_20)

    add_discount(pricing, "percentage", "10", valid_from=datetime(2024, 5, 2, 14, 0, 0, 1_999, tzinfo=in_paris),
                 valid_until=datetime(2024, 5, 3, 14, 0, tzinfo=in_paris))

    [added] = pricing.collect_events()
    assert (added.validFrom, added.validUntil) == (datetime(2024, 5, 2, 12, 0, 0, 1_000, tzinfo=UTC),
                                                   datetime(2024, 5, 3, 12, 0, tzinfo=UTC))
    assert added.validFrom.utcoffset() == added.validUntil.utcoffset() == timedelta(0)


@pytest.mark.parametrize("window", [{"valid_from": datetime(2030, 1, 1)}, {"valid_until": datetime(2030, 1, 1)}],
                         ids=["validFrom", "validUntil"])
def test_a_validity_window_without_a_time_zone_is_refused(window):
    pricing = pricing_after(EUR_20)

    with pytest.raises(InvalidValue) as refused:
        add_discount(pricing, "percentage", "10", **window)
    assert refused.value.field == {"valid_from": "validFrom", "valid_until": "validUntil"}[next(iter(window))]
    assert pricing.collect_events() == []


# several discounts, removal


def test_when_several_discounts_apply_the_one_giving_the_lowest_price_wins_and_they_do_not_stack():
    pricing = pricing_after(EUR_20, discount_added("ten-percent", "percentage", "10"),
                            discount_added("five-off", "fixed", "5.00", "EUR"),
                            discount_added("half-later", "percentage", "50", valid_from=NOW + DAY))

    quote = pricing.quote("EUR", NOW)

    assert (quote.effective, quote.discount.discount_id) == (Decimal("15.00"), "five-off")
    assert pricing.quote("EUR", NOW + DAY).discount.discount_id == "half-later"


def test_a_discount_id_cannot_be_used_twice():
    with pytest.raises(RuleViolation, match="already exists"):
        add_discount(pricing_after(EUR_20, discount_added("d1", "percentage", "10")), "percentage", "20")


def test_removing_a_discount_records_discount_removed_and_restores_the_base_price():
    pricing = pricing_after(EUR_20, discount_added("d1", "percentage", "10"))

    pricing.remove_discount(PRODUCT_ID, "d1", NOW + HOUR)

    assert pricing.collect_events() == [DiscountRemoved(productId=PRODUCT_ID, discountId="d1", removedAt=NOW + HOUR)]
    assert effective_price(pricing) == Decimal("20.00")
    assert (pricing.discounts, pricing.ended_discounts) == ({}, [])


def test_removing_an_unknown_discount_is_refused():
    with pytest.raises(UnknownPart, match="does not exist"):
        pricing_after(EUR_20).remove_discount(PRODUCT_ID, "d1", NOW)


def test_a_removed_discount_id_can_be_used_again():
    pricing = pricing_after(EUR_20, discount_added("d1", "percentage", "10", valid_from=NOW),
                            DiscountRemoved(productId=PRODUCT_ID, discountId="d1", removedAt=NOW + HOUR))

    add_discount(pricing, "percentage", "30", now=NOW + 2 * HOUR)

    assert effective_price(pricing, at=NOW + 2 * HOUR) == Decimal("14.00")


def test_price_history_keeps_a_removed_discount_for_the_moments_before_its_removal_only():
    events = (price_set("20.00", at=NOW - DAY), discount_added("d1", "percentage", "50", valid_from=NOW),
              DiscountRemoved(productId=PRODUCT_ID, discountId="d1", removedAt=NOW + DAY))

    history, pricing = given(PriceHistory, PRICING_ID, *events), pricing_after(*events)

    moments = (NOW - HOUR, NOW, NOW + DAY - timedelta(milliseconds=1), NOW + DAY, NOW + 2 * DAY)
    assert [effective_price(history, at) for at in moments] == [
        Decimal("20.00"), Decimal("10.00"), Decimal("10.00"), Decimal("20.00"), Decimal("20.00")]
    assert [effective_price(pricing, at) for at in moments[1:3]] == [Decimal("20.00")] * 2
    assert (history.discounts, [d.valid_until for d in history.ended_discounts]) == ({}, [NOW + DAY])


def test_price_history_ends_a_removed_discount_at_its_own_end_if_that_came_first():
    history = given(PriceHistory, PRICING_ID, EUR_20,
                    discount_added("d1", "percentage", "50", valid_from=NOW, valid_until=NOW + HOUR),
                    DiscountRemoved(productId=PRODUCT_ID, discountId="d1", removedAt=NOW + DAY))

    assert [effective_price(history, at) for at in (NOW, NOW + HOUR, NOW + 2 * HOUR)] == [
        Decimal("10.00"), Decimal("20.00"), Decimal("20.00")]


def test_a_product_without_a_price_has_no_quote():
    assert pricing_after(discount_added("d1", "percentage", "10")).quote("EUR", NOW) is None
