"""Fields and schemas shared by every resource."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

MONEY = validate.Regexp(r"^-?\d{1,15}(\.\d{1,6})?$", error="must be a decimal string such as '19.99'")


class AttributeValue(fields.Field):
    """A string, number or boolean, as sent."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, (str, int, float, bool)):
            return value
        raise ValidationError("must be a string, number or boolean")


def attributes_field(**kwargs: Any) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.Length(1, 100)), values=AttributeValue(), **kwargs)


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        ordered = True


class EventSchema(Schema):
    entityId = fields.String()
    sequenceNumber = fields.Integer()
    eventId = fields.String()
    eventType = fields.String()
    eventVersion = fields.Integer()
    aggregateType = fields.String()
    eventData = fields.Dict()
    timestamp = fields.String()
    userId = fields.String()
    correlationId = fields.String()
    causationId = fields.String()


class HistorySchema(Schema):
    entityId = fields.String()
    items = fields.List(fields.Nested(EventSchema))


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict()
