"""Fields and schemas shared by every resource."""

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from entrypoints.http.freshness import DEFAULT_WAIT_MS, MAX_WAIT_MS

MONEY = validate.Regexp(r"^-?\d{1,15}(\.\d{1,6})?$", error="must be a decimal string such as '19.99'")


class UtcDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time with its offset, as UTC; one that UTC cannot express (past year 9999) is invalid."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=None, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("is out of range once converted to UTC") from None


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


class ReadYourWritesSchema(StrictSchema):
    minVersion = fields.Integer(validate=validate.Range(1, 2**63 - 1), metadata={
        "description": "read your own write: answer once the read model shows at least this version "
                       "(the version a command answered with); 503 with Retry-After after maxWaitMs"})
    maxWaitMs = fields.Integer(load_default=DEFAULT_WAIT_MS, validate=validate.Range(0, MAX_WAIT_MS),
                               metadata={"description": "how long a read with minVersion may wait"})


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
    version = fields.Integer(metadata={"description": "the entity's version: its own stream's last event"})
    items = fields.List(fields.Nested(EventSchema))


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict()


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok"})


class ReadinessSchema(Schema):
    status = fields.String(metadata={"description": "ready or not ready"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "each adapter: ok, or why it failed"})
