"""The outbox relay: publishes committed events to RabbitMQ in feed order, at least once.

Each batch is read from the outbox in feed order, upcast to its events' current schemas,
published with confirms, and only then marked as published. A crash or a broker outage
between the two re-sends the batch from the checkpoint: a consumer may see an event twice,
always with the same message_id, and never an event of an entity before an earlier one.
"""

import logging
import threading
from dataclasses import dataclass

from adapters.rabbitmq import BrokerUnavailable, PublishFailed, RabbitMQConfirmingPublisher, event_message
from application.errors import StoreUnavailable
from application.mapper import EventMapper
from application.ports import Outbox

log = logging.getLogger(__name__)


@dataclass
class Backoff:
    """Waits that double after each failure, up to a ceiling, and start again after a success."""

    first_s: float = 0.2
    ceiling_s: float = 10.0
    _next_s: float = 0.0

    def next(self) -> float:
        """How long to wait after this failure."""
        self._next_s = min(self.ceiling_s, self._next_s * 2 if self._next_s else self.first_s)
        return self._next_s

    def reset(self) -> None:
        """After a success: the next failure waits the first wait again."""
        self._next_s = 0.0


class OutboxRelay:
    """Moves the outbox to the events exchange, a confirmed batch at a time (see the module)."""

    def __init__(self, outbox: Outbox, mapper: EventMapper, publisher: RabbitMQConfirmingPublisher,
                 batch_size: int = 500, idle_poll_s: float = 0.2, backoff: Backoff | None = None) -> None:
        self.outbox = outbox
        self.mapper = mapper
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_poll_s = idle_poll_s
        self.backoff = backoff or Backoff()
        self.published = 0  # events confirmed by the broker since this relay started

    def publish_batch(self) -> int:
        """Publishes the oldest pending events (one batch) and marks them published once the
        broker confirmed them; how many it published. Raises BrokerUnavailable (after marking
        the confirmed part of the batch) or StoreUnavailable."""
        events = self.outbox.pending(self.batch_size)
        if not events:
            return 0
        messages = [event_message(self.mapper.upcast(event)) for event in events]
        try:
            self.publisher.publish(messages)
        except PublishFailed as failure:
            if failure.confirmed:
                self.outbox.mark_published(events[:failure.confirmed])
                self.published += failure.confirmed
            raise
        self.outbox.mark_published(events)
        self.published += len(events)
        return len(events)

    def drain(self) -> int:
        """Publishes until nothing is pending; how many events it published."""
        total = 0
        while published := self.publish_batch():
            total += published
        return total

    def run(self, stop: threading.Event) -> None:
        """Relays until `stop` is set, riding out broker and store outages with backoff."""
        try:
            while not stop.is_set():
                self._step(stop)
        finally:
            self.publisher.close()

    def _step(self, stop: threading.Event) -> None:
        try:
            published = self.publish_batch()
        except (BrokerUnavailable, StoreUnavailable) as error:
            wait = self.backoff.next()
            log.warning("relay: %s; retrying in %.1fs", error, wait)
            stop.wait(wait)
            return
        self.backoff.reset()
        if published < self.batch_size:
            self.publisher.pause(self.idle_poll_s)
