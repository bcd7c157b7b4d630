"""Value objects: Money, SKUs, slugs, names, currencies and ids are checked on the way in."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain import values
from domain.errors import InvalidValue
from domain.values import Money


def refused_field(call, *args) -> str:
    with pytest.raises(InvalidValue) as refused:
        call(*args)
    return refused.value.field


# SKU


def test_sku_is_trimmed_and_stored_upper_case():
    assert values.sku("  boot-42/xl ") == "BOOT-42/XL"


def test_sku_may_use_dots_underscores_slashes_and_hyphens_after_the_first_character():
    assert values.sku("a.b_c/d-e") == "A.B_C/D-E"


def test_sku_may_be_64_characters_long():
    assert values.sku("A" * 64) == "A" * 64


@pytest.mark.parametrize("raw", ["", "   ", "-BOOT", ".BOOT", "BO OT", "BOOT#1", "ÄPFEL", "A" * 65, None, 42])
def test_sku_is_refused_when_malformed(raw):
    assert refused_field(values.sku, raw) == "sku"


# currency


@pytest.mark.parametrize(("raw", "code"), [("EUR", "EUR"), ("usd", "USD"), (" jpy ", "JPY"), ("bhd", "BHD")])
def test_currency_is_an_iso_4217_code_in_upper_case(raw, code):
    assert values.currency_code(raw) == code


@pytest.mark.parametrize("raw", ["", "EU", "EURO", "XXX", "ABC", 978, None])
def test_currency_outside_iso_4217_is_refused(raw):
    assert refused_field(values.currency_code, raw) == "currency"


# Money


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("19.99", "USD", Decimal("19.99")),
    ("5", "EUR", Decimal("5.00")),
    (Decimal("3.5"), "EUR", Decimal("3.50")),
    (7, "usd", Decimal("7.00")),
    ("1000", "JPY", Decimal("1000")),
    ("1.234", "BHD", Decimal("1.234")),
    ("0", "EUR", Decimal("0.00")),
])
def test_money_is_exact_to_the_currencys_minor_units(amount, currency, expected):
    money = Money.of(amount, currency)

    assert money.amount == expected
    assert money.amount.as_tuple().exponent == expected.as_tuple().exponent
    assert money.currency == currency.upper()


@pytest.mark.parametrize(("amount", "currency", "text"), [
    ("5", "EUR", "5.00 EUR"), ("5", "JPY", "5 JPY"), ("1.2", "BHD", "1.200 BHD"),
])
def test_money_shows_every_minor_unit_of_its_currency(amount, currency, text):
    assert str(Money.of(amount, currency)) == text


@pytest.mark.parametrize(("amount", "currency"), [
    ("19.999", "USD"), ("1.5", "JPY"), ("1.2345", "BHD"), ("0.001", "EUR"),
])
def test_money_finer_than_the_currencys_minor_unit_is_refused(amount, currency):
    assert refused_field(Money.of, amount, currency) == "amount"


@pytest.mark.parametrize("amount", ["-0.01", "-5", Decimal("-1")])
def test_negative_money_is_refused(amount):
    assert refused_field(Money.of, amount, "EUR") == "amount"


@pytest.mark.parametrize("amount", [19.99, 1.0, True, None, "abc", "", "NaN", "Infinity", Decimal("sNaN")])
def test_money_is_refused_unless_an_exact_finite_decimal(amount):
    assert refused_field(Money.of, amount, "EUR") == "amount"


def test_money_in_an_unknown_currency_is_refused():
    assert refused_field(Money.of, "10.00", "XYZ") == "currency"


@pytest.mark.parametrize(("amount", "currency"), [("1E+30", "USD"), ("1E+28", "JPY"), ("1E+999999", "EUR")])
def test_an_amount_too_large_to_be_exact_is_refused_as_an_invalid_value(amount, currency):
    with pytest.raises(InvalidValue) as refused:
        Money.of(amount, currency)
    assert (refused.value.field, refused.value.message) == ("amount", "is too large")


def test_a_large_amount_that_can_be_exact_is_kept_to_the_minor_unit():
    assert Money.of("12345678901234567890.5", "USD").amount == Decimal("12345678901234567890.50")


@pytest.mark.parametrize(("amount", "currency", "text"), [
    ("-0", "USD", "0.00 USD"), ("-0.00", "EUR", "0.00 EUR"), (Decimal("-0"), "JPY", "0 JPY"),
])
def test_negative_zero_is_stored_as_plain_zero(amount, currency, text):
    money = Money.of(amount, currency)

    assert str(money) == text
    assert not money.amount.is_signed()


# slugs, names, ids


@pytest.mark.parametrize("raw", ["shoes", "running-shoes", "a1", "2024-sale"])
def test_slug_is_lower_case_words_joined_by_single_hyphens(raw):
    assert values.slug(raw) == raw


def test_slug_is_trimmed():
    assert values.slug("  shoes ") == "shoes"


@pytest.mark.parametrize("raw", ["", "Shoes", "running--shoes", "-shoes", "shoes-", "running shoes",
                                 "running_shoes", "schuhe-größe", "a" * 201, None])
def test_slug_is_refused_when_malformed(raw):
    assert refused_field(values.slug, raw) == "slug"


def test_slugify_keeps_the_words_of_a_name():
    assert values.slugify("  Running Shoes & Boots! ") == "running-shoes-boots"


@pytest.mark.parametrize(("raw", "slug"), [
    ("Crème brûlée", "creme-brulee"), ("Ñandú São Paulo", "nandu-sao-paulo"), ("ＦＵＬＬ　ｗｉｄｔｈ", "full-width"),
], ids=["french", "spanish-portuguese", "full-width"])
def test_slugify_folds_accents_and_compatibility_forms_to_ascii(raw, slug):
    assert values.slugify(raw) == slug


def test_slugify_of_a_name_without_latin_letters_is_empty():
    assert values.slugify("Обувь 靴") == ""


@pytest.mark.parametrize(("raw", "slug"), [("Smørrebrød", "smorrebrod"), ("Straße", "strasse"), ("Łódź", "lodz"),
                                           ("Æble", "aeble")], ids=["o-slash", "sharp-s", "l-stroke", "ae"])
def test_slugify_transliterates_latin_letters_that_have_no_decomposition(raw, slug):
    assert values.slugify(raw) == slug


@pytest.mark.parametrize(("raw", "clean"), [("Boot", "Boot"), ("  Boot  ", "Boot"), ("x", "x"), ("x" * 200, "x" * 200)])
def test_name_is_trimmed_and_between_1_and_200_characters(raw, clean):
    assert values.name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "x" * 201, None])
def test_name_outside_1_to_200_characters_is_refused(raw):
    assert refused_field(values.name, raw) == "name"


def test_entity_id_is_a_uuid_in_canonical_lower_case():
    assert values.entity_id("A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D") == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


def test_entity_id_that_is_not_a_uuid_is_refused():
    assert refused_field(values.entity_id, "shoes", "categoryId") == "categoryId"


# moments


def test_a_moment_is_converted_to_utc():
    in_paris = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))

    moment = values.moment(in_paris, "effectiveFrom")

    assert (moment, moment.utcoffset()) == (datetime(2024, 5, 1, 12, 0, tzinfo=UTC), timedelta(0))


@pytest.mark.parametrize(("microsecond", "kept"), [(0, 0), (1_000, 1_000), (1_500, 1_000), (999_999, 999_000)])
def test_a_moment_is_truncated_to_the_millisecond(microsecond, kept):
    moment = values.moment(datetime(2024, 5, 1, 12, 0, 0, microsecond, tzinfo=UTC), "validFrom")

    assert moment == datetime(2024, 5, 1, 12, 0, 0, kept, tzinfo=UTC)


@pytest.mark.parametrize("raw", [datetime(2024, 5, 1, 12, 0), date(2024, 5, 1), "2024-05-01T12:00:00Z", None])
def test_a_moment_without_a_time_zone_or_that_is_not_a_date_time_is_refused(raw):
    assert refused_field(values.moment, raw, "validUntil") == "validUntil"
