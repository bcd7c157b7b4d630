"""RabbitMQ (pika): the topology, the event messages and a publisher with batched confirms."""

from adapters.rabbitmq.errors import BrokerUnavailable, PublishFailed
from adapters.rabbitmq.event_messages import OutgoingMessage, event_from_message, event_message
from adapters.rabbitmq.probe import RabbitMQProbe
from adapters.rabbitmq.publisher import RabbitMQConfirmingPublisher
from adapters.rabbitmq.routing import routing_key
from adapters.rabbitmq.topology import Topology

__all__ = ["BrokerUnavailable", "OutgoingMessage", "PublishFailed", "RabbitMQConfirmingPublisher", "RabbitMQProbe",
           "Topology", "event_from_message", "event_message", "routing_key"]
