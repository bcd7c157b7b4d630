"""Moments a command carries (effectiveFrom, validFrom, validUntil) must read back as they were decided.

The domain records every such moment in UTC, truncated to the millisecond (values.moment), which is
what the mapper stores: so the running aggregate, a snapshot load and a replay agree, whatever the
time zone or precision of the moment the command carried. A moment without a time zone is refused.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.commands import AddDiscount, SetPrice
from domain.errors import InvalidValue
from domain.pricing import Pricing, pricing_id
from tests.unit.catalog import BOOT, SHOES, Catalog
from tests.unit.given import DAY, NOW, PRODUCT_ID

PRICING = pricing_id(PRODUCT_ID)


def catalog_with_boot(snapshot_every: int = 3) -> Catalog:
    catalog = Catalog(snapshot_every)
    catalog.handle(SHOES, BOOT, SetPrice(PRODUCT_ID, "20.00", "EUR"))
    return catalog


def test_a_whole_millisecond_utc_effective_from_reads_back_unchanged():
    catalog = catalog_with_boot()
    moment = NOW + DAY + timedelta(milliseconds=7)

    catalog.handle(SetPrice(PRODUCT_ID, "25.00", "EUR", effective_from=moment))

    assert catalog.replayed(Pricing, PRICING).timeline["EUR"][-1][0] == moment


def test_an_effective_from_with_microseconds_is_decided_to_the_millisecond_and_reads_back_so():
    catalog = catalog_with_boot(snapshot_every=1)
    moment = NOW + DAY + timedelta(microseconds=1500)

    result = catalog.handle(SetPrice(PRODUCT_ID, "25.00", "EUR", effective_from=moment))

    decided = NOW + DAY + timedelta(milliseconds=1)
    assert result.events[0].data["effectiveFrom"] == "2024-05-02T12:00:00.001Z"
    loaded, replayed = catalog.load(Pricing, PRICING), catalog.replayed(Pricing, PRICING)
    assert loaded.timeline["EUR"][-1][0] == replayed.timeline["EUR"][-1][0] == decided
    assert loaded.snapshot_state() == replayed.snapshot_state()


def test_a_zoned_effective_from_gives_the_same_state_with_or_without_snapshots():
    catalog = catalog_with_boot(snapshot_every=1)
    in_paris = (NOW + DAY).astimezone(timezone(timedelta(hours=2)))

    catalog.handle(SetPrice(PRODUCT_ID, "25.00", "EUR", effective_from=in_paris))

    loaded = catalog.load(Pricing, PRICING)
    assert loaded.snapshot_state() == catalog.replayed(Pricing, PRICING).snapshot_state()
    assert loaded.timeline["EUR"][-1][0] == NOW + DAY
    assert loaded.timeline["EUR"][-1][0].utcoffset() == timedelta(0)


def test_a_zoned_validity_window_gives_the_same_state_with_or_without_snapshots():
    catalog = catalog_with_boot(snapshot_every=1)
    in_tokyo = timezone(timedelta(hours=9))

    catalog.handle(AddDiscount(PRODUCT_ID, "d1", "percentage", "10",
                               valid_from=(NOW + DAY + timedelta(microseconds=10)).astimezone(in_tokyo),
                               valid_until=(NOW + 2 * DAY).astimezone(in_tokyo)))

    loaded = catalog.load(Pricing, PRICING)
    assert loaded.snapshot_state() == catalog.replayed(Pricing, PRICING).snapshot_state()
    discount = loaded.discounts["d1"]
    assert (discount.valid_from, discount.valid_until) == (NOW + DAY, NOW + 2 * DAY)
    assert discount.valid_from.tzinfo == discount.valid_until.tzinfo == UTC


@pytest.mark.parametrize(("command", "field"), [
    (SetPrice(PRODUCT_ID, "25.00", "EUR", effective_from=datetime(2030, 1, 1)), "effectiveFrom"),
    (AddDiscount(PRODUCT_ID, "d1", "percentage", "10", valid_from=datetime(2030, 1, 1)), "validFrom"),
    (AddDiscount(PRODUCT_ID, "d1", "percentage", "10", valid_until=datetime(2030, 1, 1)), "validUntil"),
], ids=["effectiveFrom", "validFrom", "validUntil"])
def test_a_moment_without_a_time_zone_is_refused_as_an_invalid_value(command, field):
    catalog = catalog_with_boot()

    with pytest.raises(InvalidValue) as refused:
        catalog.handle(command)
    assert refused.value.field == field
    assert catalog.event_types(PRICING) == ["PriceSet"]
