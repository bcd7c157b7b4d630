"""Category requests and views."""

from marshmallow import fields, validate

from entrypoints.http.schemas.common import StrictSchema


class CategoryCreateSchema(StrictSchema):
    id = fields.UUID(load_default=None)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    slug = fields.String(load_default=None, validate=validate.Length(1, 200))
    parentId = fields.UUID(load_default=None, allow_none=True)
    description = fields.String(load_default="", validate=validate.Length(max=10_000))


class CategoryPatchSchema(StrictSchema):
    name = fields.String(validate=validate.Length(1, 200))
    slug = fields.String(validate=validate.Length(1, 200))
    description = fields.String(validate=validate.Length(max=10_000))


class CategoryMoveSchema(StrictSchema):
    parentId = fields.UUID(required=True, allow_none=True, metadata={"description": "null moves it to the root"})


class CategorySchema(StrictSchema):
    id = fields.String()
    name = fields.String()
    slug = fields.String()
    parentId = fields.String(allow_none=True)
    description = fields.String()
    version = fields.Integer()
    productCount = fields.Integer()
    createdAt = fields.String()
    updatedAt = fields.String()
    children = fields.List(fields.Nested(lambda: CategorySchema()))


class CategoryTreeSchema(StrictSchema):
    items = fields.List(fields.Nested(CategorySchema))
