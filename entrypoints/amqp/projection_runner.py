"""The projection runner: keeps the read models up with the events published on RabbitMQ.

Each delivered event says its feed position (headers). A batch of deliveries that continues
the read models' checkpoints is applied as it came; the read models skip what a checkpoint has
already passed, so re-sends and events another projector applied first change nothing. A batch
that would leave a gap (an event lost on its way, published out of turn, or from a time before
this queue existed) is not applied from the messages: the projector catches up from the event
store instead, which fills the gap, and the event after it, in feed order. The event store is
the source of truth; the messages say when to look and spare the read in the common case.
"""

import logging
import threading
from collections.abc import Sequence

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError

from adapters.rabbitmq.event_messages import event_from_message
from adapters.rabbitmq.topology import Topology, declare_projections
from application.envelope import StoredEvent
from application.errors import StoreUnavailable, UnknownEventVersion
from application.projections import ProjectionGap, Projector
from application.read_models import ReadModels
from entrypoints.amqp.relay import Backoff

log = logging.getLogger(__name__)


class RabbitMQProjectionRunner:
    """Consumes the projections queue in batches and keeps the read models (see the module)."""

    def __init__(self, url: str, projector: Projector, read_models: ReadModels, topology: Topology | None = None,
                 batch_size: int = 500, idle_s: float = 0.05) -> None:
        self.parameters = pika.URLParameters(url)
        self.projector = projector
        self.read_models = read_models
        self.topology = topology or Topology()
        self.batch_size = batch_size
        self.idle_s = idle_s
        self.applied_from_messages = 0  # batches applied as delivered
        self.caught_up_from_store = 0  # batches that made the projector read the event store

    def apply(self, events: Sequence[StoredEvent | None]) -> None:
        """Applies delivered events (None: a message that did not say its position)."""
        known = [event for event in events if event is not None]
        if known and len(known) == len(events):
            try:
                self.read_models.project(sorted(known, key=lambda event: (event.shard, event.position)))
                self.applied_from_messages += 1
                return
            except ProjectionGap as gap:
                log.info("projection runner: %s; catching up from the event store", gap)
            except (KeyError, TypeError, ValueError, UnknownEventVersion) as error:
                log.warning("projection runner: a delivered event cannot be applied as it is (%r); "
                            "catching up from the event store", error)
        self.projector.catch_up()
        self.caught_up_from_store += 1

    def run(self, stop: threading.Event, ready: threading.Event | None = None) -> None:
        """Projects until `stop` is set; starts again with backoff after a failure of the broker
        or the read models, after the broker cancelled the consumer, and after any other error
        (logged with its traceback): the process stays up and the views catch up once it clears."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                self._consume(stop, ready, backoff)
            except (AMQPError, StoreUnavailable) as error:
                log.warning("projection runner: %r", error)
            except Exception:  # noqa: BLE001 - a runner that dies keeps no view; it retries and says why
                log.exception("projection runner: projecting failed")
            if not stop.is_set():
                wait = backoff.next()
                log.warning("projection runner: consuming again in %.1fs", wait)
                stop.wait(wait)

    def _consume(self, stop: threading.Event, ready: threading.Event | None, backoff: Backoff) -> None:
        connection = pika.BlockingConnection(self.parameters)
        try:
            channel = connection.channel()
            declare_projections(channel, self.topology)
            channel.basic_qos(prefetch_count=self.batch_size)
            self.projector.catch_up()  # whatever was committed while no runner was listening
            backoff.reset()
            if ready is not None:
                ready.set()
            self._project_deliveries(channel, stop)
            channel.cancel()
        finally:
            if connection.is_open:
                connection.close()

    def _project_deliveries(self, channel: BlockingChannel, stop: threading.Event) -> None:
        pending: list[StoredEvent | None] = []
        last_tag = 0
        for method, properties, body in channel.consume(self.topology.projections_queue,
                                                         inactivity_timeout=self.idle_s):
            if method is not None:
                pending.append(event_from_message(body, properties.headers))
                last_tag = method.delivery_tag
            if pending and (method is None or len(pending) >= self.batch_size or stop.is_set()):
                self.apply(pending)
                channel.basic_ack(last_tag, multiple=True)
                pending = []
            if stop.is_set():
                return  # what is prefetched and not applied goes back to the queue
