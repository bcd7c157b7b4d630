"""Value objects: money, SKUs, slugs, names and identifiers, each validated on the way in."""

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from domain.currencies import MINOR_UNITS
from domain.errors import InvalidValue

_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_MAX = 200
# Latin letters that Unicode does not decompose into a base letter and an accent
_LATIN_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ß": "ss", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE",
                                "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH", "ð": "d"})
DESCRIPTION_MAX = 10_000


def currency_code(value: str, field: str = "currency") -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in MINOR_UNITS:
        raise InvalidValue(field, f"{value!r} is not an ISO 4217 currency code")
    return code


def decimal_amount(value: object, field: str = "amount") -> Decimal:
    """A finite Decimal from a Decimal, int or decimal string; floats are refused."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise InvalidValue(field, "must be a decimal string such as '19.99'")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidValue(field, f"{value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise InvalidValue(field, "must be a finite number")
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    """A non-negative amount in one currency, exact to the currency's minor units."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: object, currency: str, field: str = "amount") -> "Money":
        code = currency_code(currency)
        value = decimal_amount(amount, field)
        if value < 0:
            raise InvalidValue(field, "must not be negative")
        exponent = Decimal(1).scaleb(-MINOR_UNITS[code])
        try:
            exact = value.quantize(exponent)
        except InvalidOperation:
            raise InvalidValue(field, "is too large") from None
        if value != exact:
            raise InvalidValue(field, f"{code} has {MINOR_UNITS[code]} decimal places at most")
        return cls(abs(exact) if exact == 0 else exact, code)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def sku(value: str) -> str:
    """SKUs are case-insensitive; the catalog stores them upper-case."""
    normalised = value.strip().upper() if isinstance(value, str) else ""
    if not _SKU.match(normalised):
        raise InvalidValue("sku", "1-64 characters: letters, digits and . _ / - (starting alphanumeric)")
    return normalised


def slug(value: str) -> str:
    normalised = value.strip() if isinstance(value, str) else ""
    if len(normalised) > NAME_MAX or not _SLUG.match(normalised):
        raise InvalidValue("slug", "lower-case letters and digits in words joined by single hyphens")
    return normalised


def slugify(name: str) -> str:
    """"Crème Brûlée" -> "creme-brulee"; names with no Latin letters need an explicit slug."""
    folded = name.translate(_LATIN_LETTERS)
    ascii_name = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    return "-".join(words)[:NAME_MAX].strip("-")


def name(value: str, field: str = "name") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= NAME_MAX:
        raise InvalidValue(field, f"must be 1-{NAME_MAX} characters")
    return text


def free_text(value: str, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a string")
    if len(value) > DESCRIPTION_MAX:
        raise InvalidValue(field, f"must be at most {DESCRIPTION_MAX} characters")
    return value


def entity_id(value: str, field: str = "id") -> str:
    """Identifiers are UUIDs, kept in their canonical lower-case string form."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidValue(field, f"{value!r} is not a UUID") from None


def moment(value: datetime, field: str) -> datetime:
    """A point in time as the catalog records it: UTC, to the millisecond."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidValue(field, "must be a date-time with a time zone")
    utc = value.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
