"""Events as AMQP messages: the envelope JSON as the body, ids and feed position in properties.

`message_id` is the event's id, so a re-sent event is recognisable as such; the feed position
and shard travel in headers so that a consumer can tell whether it has applied an event yet.
"""

from dataclasses import dataclass
from typing import Any

import orjson
import pika

from adapters.rabbitmq.routing import routing_key
from application.envelope import StoredEvent, parse_timestamp

CONTENT_TYPE = "application/json"
PERSISTENT = 2
APP_ID = "product-service"
POSITION_HEADER = "x-feed-position"
SHARD_HEADER = "x-feed-shard"


@dataclass(frozen=True)
class OutgoingMessage:
    """A message ready for basic_publish on the events exchange."""

    routing_key: str
    body: bytes
    properties: pika.BasicProperties


def event_message(event: StoredEvent, replayed: bool = False) -> OutgoingMessage:
    """The message for an event (already upcast to its current schema)."""
    # the rest of the envelope is in the body (and the event type in `type`): each header costs
    # encoding time on every message
    headers: dict[str, Any] = {
        "x-correlation-id": event.correlation_id, "x-causation-id": event.causation_id,
        "x-event-version": event.event_version, POSITION_HEADER: event.position, SHARD_HEADER: event.shard,
    }
    if replayed:
        headers["x-replayed"] = True
    properties = pika.BasicProperties(
        content_type=CONTENT_TYPE, delivery_mode=PERSISTENT, message_id=event.event_id,
        correlation_id=event.correlation_id, type=event.event_type, app_id=APP_ID,
        timestamp=int(event.timestamp.timestamp()), headers=headers)
    return OutgoingMessage(routing_key(event.aggregate_type, event.event_type),
                           orjson.dumps(event.envelope()), properties)


def event_from_message(body: bytes, headers: dict[str, Any] | None) -> StoredEvent | None:
    """The event a message carries, with its feed position; None if it does not say its position
    or is not an event envelope."""
    headers = headers or {}
    position, shard = headers.get(POSITION_HEADER), headers.get(SHARD_HEADER, 0)
    if not isinstance(position, int) or not isinstance(shard, int):
        return None
    try:
        envelope = orjson.loads(body)
        return StoredEvent(
            envelope["entityId"], envelope["sequenceNumber"], envelope["eventId"], envelope["eventType"],
            envelope["eventVersion"], envelope["aggregateType"], envelope["eventData"],
            parse_timestamp(envelope["timestamp"]), envelope["userId"], envelope["correlationId"],
            envelope["causationId"], position, shard)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
