"""The command consumer: takes command messages from `product.commands`, carries each out once,
replies to `reply_to`, and acknowledges a message only once its outcome is stored.

What can never succeed goes to the dead-letter queue with the reason in `x-rejection-reason`;
business-rule refusals are replies (`rejected`), not dead letters. A stop request lets the
message in hand finish; the ones prefetched but not started go back to the queue.
"""

import logging
import threading
from typing import Any

import orjson
import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError
from pika.spec import Basic, BasicProperties

from adapters.rabbitmq.topology import Topology, declare_commands
from entrypoints.amqp.outcomes import DeadLetter, Reply
from entrypoints.amqp.processor import CommandMessage, CommandProcessor
from entrypoints.amqp.relay import Backoff
from entrypoints.logs import correlated, correlation_id_from

log = logging.getLogger(__name__)
REASON_HEADER = "x-rejection-reason"


class RabbitMQCommandConsumer:
    """Consumes the command queue with a prefetch window, one message at a time (see the module)."""

    def __init__(self, url: str, processor: CommandProcessor, topology: Topology | None = None,
                 prefetch: int = 16) -> None:
        self.parameters = pika.URLParameters(url)
        self.processor = processor
        self.topology = topology or Topology()
        self.prefetch = prefetch
        self.replied = 0
        self.dead_lettered = 0

    def run(self, stop: threading.Event, ready: threading.Event | None = None) -> None:
        """Consumes until `stop` is set; reconnects with backoff while the broker is away (or
        after it cancelled the consumer, as when the queue is deleted)."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                self._consume(stop, ready, backoff)
            except AMQPError as error:
                log.warning("consumer: the broker connection failed (%r)", error)
            except Exception:  # whatever a message did, the consumer carries on with the next
                log.exception("consumer: unexpected failure; unacknowledged messages go back to the queue")
            if not stop.is_set():
                wait = backoff.next()
                log.warning("consumer: consuming again in %.1fs", wait)
                stop.wait(wait)

    def _consume(self, stop: threading.Event, ready: threading.Event | None, backoff: Backoff) -> None:
        connection = pika.BlockingConnection(self.parameters)
        try:
            channel = connection.channel()
            declare_commands(channel, self.topology)
            channel.basic_qos(prefetch_count=self.prefetch)
            dead_letters = connection.channel()
            dead_letters.confirm_delivery()
            cancelled = threading.Event()
            channel.add_on_cancel_callback(lambda _: cancelled.set())

            def on_message(ch: BlockingChannel, method: Basic.Deliver, properties: BasicProperties,
                           body: bytes) -> None:
                if stop.is_set():  # prefetched, not started: back to the queue for the next consumer
                    ch.basic_reject(method.delivery_tag, requeue=True)
                else:
                    self._on_message(ch, dead_letters, method, properties, body)

            channel.basic_consume(self.topology.commands_queue, on_message)
            backoff.reset()
            if ready is not None:
                ready.set()
            while not stop.is_set() and not cancelled.is_set():
                connection.process_data_events(time_limit=0.5)
        finally:
            if connection.is_open:
                connection.close()  # unacknowledged deliveries return to the queue

    def _on_message(self, channel: BlockingChannel, dead_letters: BlockingChannel, method: Basic.Deliver,
                    properties: BasicProperties, body: bytes) -> None:
        with correlated(correlation_id_from(properties.correlation_id)) as correlation_id:
            outcome = self.processor.handle(CommandMessage(body, properties.user_id, correlation_id))
            if isinstance(outcome, Reply):
                self._reply(channel, properties, outcome.body)
                self.replied += 1
            else:
                self._dead_letter(channel, dead_letters, method, properties, body, outcome)
                self.dead_lettered += 1
            channel.basic_ack(method.delivery_tag)

    @staticmethod
    def _reply(channel: BlockingChannel, request: BasicProperties, body: dict[str, Any]) -> None:
        if not request.reply_to:
            return
        properties = BasicProperties(content_type="application/json", correlation_id=request.correlation_id)
        channel.basic_publish("", request.reply_to, orjson.dumps(body), properties)

    def _dead_letter(self, channel: BlockingChannel, dead_letters: BlockingChannel, method: Basic.Deliver,
                     properties: BasicProperties, body: bytes, outcome: DeadLetter) -> None:
        """Publishes a copy with the reason (confirmed) to the dead-letter exchange; if that fails,
        rejects the message so that the queue's own dead-lettering keeps it, without the reason."""
        log.warning("dead-lettering a command message: %s", outcome.reason)
        try:
            dead_letters.basic_publish(self.topology.dead_letter_exchange, method.routing_key or "", body,
                                       _dead_letter_properties(properties, outcome.reason, self.topology))
        except AMQPError:
            log.exception("publishing the dead letter failed; rejecting the message instead")
            channel.basic_reject(method.delivery_tag, requeue=False)
            raise


def _dead_letter_properties(original: BasicProperties, reason: str, topology: Topology) -> BasicProperties:
    """The original properties, but `user_id`: RabbitMQ accepts only the publisher's own user
    there, so the original sender is kept in a header instead."""
    headers = {**(original.headers or {}), REASON_HEADER: reason[:2000], "x-original-queue": topology.commands_queue}
    if original.user_id:
        headers["x-original-user-id"] = original.user_id
    return BasicProperties(
        content_type=original.content_type, content_encoding=original.content_encoding, headers=headers,
        delivery_mode=2, priority=original.priority, correlation_id=original.correlation_id,
        reply_to=original.reply_to, expiration=None, message_id=original.message_id,
        timestamp=original.timestamp, type=original.type, app_id=original.app_id)
