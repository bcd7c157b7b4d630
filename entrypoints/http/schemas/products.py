"""Product requests and views."""

from marshmallow import fields, validate

from entrypoints.http.schemas.common import MONEY, ReadYourWritesSchema, StrictSchema, UtcDateTime, attributes_field

STATUSES = ("draft", "active", "inactive", "discontinued")


class ProductCreateSchema(StrictSchema):
    id = fields.UUID(load_default=None, metadata={"description": "optional: the client may choose the id"})
    sku = fields.String(required=True, validate=validate.Length(1, 64))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=10_000))
    brand = fields.String(load_default="", validate=validate.Length(max=200))
    attributes = attributes_field(load_default=dict)
    categoryIds = fields.List(fields.UUID(), load_default=list)


class ProductPatchSchema(StrictSchema):
    name = fields.String(validate=validate.Length(1, 200))
    description = fields.String(validate=validate.Length(max=10_000))
    brand = fields.String(validate=validate.Length(max=200))
    attributes = attributes_field(metadata={"description": "attributes to set or change"})
    removeAttributes = fields.List(fields.String(), metadata={"description": "attribute keys to remove"})


class PriceViewSchema(StrictSchema):
    base = fields.String(metadata={"description": "the base price in effect now"})
    effective = fields.String(metadata={"description": "the price after the best discount (lowest wins)"})
    discountId = fields.String(allow_none=True)


class ProductSchema(StrictSchema):
    id = fields.String()
    sku = fields.String()
    name = fields.String()
    description = fields.String()
    brand = fields.String()
    attributes = fields.Dict()
    categoryIds = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf(STATUSES))
    version = fields.Integer()
    prices = fields.Dict(keys=fields.String(), values=fields.Nested(PriceViewSchema),
                         metadata={"description": "by currency, the prices in effect now"})
    deleted = fields.Boolean(metadata={"description": "only in views rebuilt from events"})
    createdAt = fields.String()
    updatedAt = fields.String()


class ProductQuerySchema(StrictSchema):
    category = fields.UUID()
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String(validate=validate.Length(1, 200))
    minPrice = fields.String(validate=MONEY)
    maxPrice = fields.String(validate=MONEY)
    currency = fields.String(validate=validate.Length(3, 3))
    cursor = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class ProductPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ProductSchema))
    nextCursor = fields.String(allow_none=True)


class ProductAtSchema(ReadYourWritesSchema):
    version = fields.Integer(validate=validate.Range(1, 2**63 - 1))  # what the stores can hold
    asOf = UtcDateTime()
