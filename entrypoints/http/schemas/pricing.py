"""Price and discount requests and views."""

from marshmallow import fields, validate

from entrypoints.http.schemas.common import MONEY, StrictSchema, UtcDateTime

DISCOUNT_ID = r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$"  # it names the discount in a URL path


class SetPriceSchema(StrictSchema):
    amount = fields.String(required=True, validate=MONEY)
    currency = fields.String(required=True, validate=validate.Length(3, 3))
    effectiveFrom = UtcDateTime(load_default=None)


class DiscountCreateSchema(StrictSchema):
    id = fields.String(load_default=None, validate=validate.Regexp(
        DISCOUNT_ID, error="1-64 letters, digits and . _ ~ - (starting alphanumeric)"))
    kind = fields.String(required=True, validate=validate.OneOf(("percentage", "fixed")))
    value = fields.String(required=True, validate=MONEY)
    currency = fields.String(load_default=None, validate=validate.Length(3, 3))
    validFrom = UtcDateTime(load_default=None)
    validUntil = UtcDateTime(load_default=None)


class PriceQuerySchema(StrictSchema):
    currency = fields.String(required=True, validate=validate.Length(3, 3))
    at = UtcDateTime(metadata={"description": "when the price is in effect"})
    asOf = UtcDateTime(metadata={"description": "what the catalog knew then"})


class DiscountViewSchema(StrictSchema):
    id = fields.String()
    kind = fields.String()
    value = fields.String()
    currency = fields.String(allow_none=True)
    validFrom = fields.String(allow_none=True)
    validUntil = fields.String(allow_none=True)


class PriceQuoteSchema(StrictSchema):
    productId = fields.String()
    currency = fields.String()
    at = fields.String()
    asOf = fields.String(allow_none=True)
    base = fields.String()
    effective = fields.String()
    discount = fields.Nested(DiscountViewSchema, allow_none=True)
    version = fields.Integer(metadata={"description": "the version of the product's prices the answer stands on"})


class ScheduledPriceSchema(StrictSchema):
    amount = fields.String()
    effectiveFrom = fields.String()


class CurrencyPriceSchema(StrictSchema):
    currency = fields.String()
    amount = fields.String(allow_none=True, metadata={"description": "base price in effect now"})
    effectiveAmount = fields.String(allow_none=True, metadata={"description": "after the best discount"})
    discountId = fields.String(allow_none=True)
    scheduled = fields.List(fields.Nested(ScheduledPriceSchema))


class PricingSchema(StrictSchema):
    productId = fields.String()
    version = fields.Integer()
    prices = fields.List(fields.Nested(CurrencyPriceSchema))
    discounts = fields.List(fields.Nested(DiscountViewSchema))
