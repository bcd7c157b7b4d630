"""RabbitMQ throughput: the outbox relay (batched publisher confirms) beside raw pika publishing
without confirms (the same messages, the same exchange and queue, the same run), publishing with
one confirm per message for contrast, and the command consumer end to end (commands queued, all
replies received).

`measure()` returns the figures; `python -m tests.bench.amqp_throughput` prints them.
"""

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pika.adapters.blocking_connection import BlockingChannel

from adapters.rabbitmq import OutgoingMessage, Topology, event_message
from entrypoints.containers import Container
from tests.amqp_scenarios import CommandClient, record_updates, service_container
from tests.rabbitmq_broker import AMQP_URL, bind_listener, channel_to, message_count, unique_topology


@dataclass(frozen=True)
class AmqpFigures:
    relay_events_per_s: float  # outbox -> broker, confirmed, checkpoint advanced
    raw_publish_per_s: float  # basic_publish of the same messages, no confirms
    confirm_each_per_s: float  # basic_publish waiting for each message's confirm
    consumer_commands_per_s: float  # queued commands carried out, stored and answered
    message_bytes: int

    @property
    def relay_to_raw(self) -> float:
        return self.relay_events_per_s / self.raw_publish_per_s


def measure(events: int = 5000, commands: int = 500, synchronous: str = "FULL", url: str = AMQP_URL) -> AmqpFigures:
    """Runs every measurement once on a fresh data directory and topology."""
    with tempfile.TemporaryDirectory() as data_dir, unique_topology(url) as topology, channel_to(url) as channel:
        container = service_container(Path(data_dir), url, topology, synchronous=synchronous)
        record_updates(container.bulk_message_bus(), events // 10, 9)
        messages = [event_message(event) for event in container.event_store().read_feed(0, 0, events)]
        with bound_queue(channel, topology) as queue:
            started = time.perf_counter()
            container.outbox_relay().drain()
            relay = len(messages) / (time.perf_counter() - started)
            wait_until_queued(channel, queue, len(messages))
        with bound_queue(channel, topology) as queue:
            raw = len(messages) / _publish_seconds(channel, topology, messages)
            wait_until_queued(channel, queue, len(messages))
        with bound_queue(channel, topology):
            confirm_each = _confirm_each_per_s(url, topology, messages[: len(messages) // 5])
        consumer = _consumer_per_s(container, topology, channel, commands)
    return AmqpFigures(relay, raw, confirm_each, consumer, len(messages[0].body))


@contextmanager
def bound_queue(channel: BlockingChannel, topology: Topology) -> Iterator[str]:
    """A durable queue bound to every event, as a downstream service would have; deleted after."""
    queue = bind_listener(channel, topology.events_exchange, queue=f"{topology.projections_queue}.bench")
    try:
        yield queue
    finally:
        channel.queue_delete(queue)


def wait_until_queued(channel: BlockingChannel, queue: str, count: int) -> None:
    while message_count(channel, queue) < count:
        time.sleep(0.05)


def _publish_seconds(channel: BlockingChannel, topology: Topology, messages: list[OutgoingMessage]) -> float:
    started = time.perf_counter()
    for message in messages:
        channel.basic_publish(topology.events_exchange, message.routing_key, message.body, message.properties)
    return time.perf_counter() - started


def _confirm_each_per_s(url: str, topology: Topology, messages: list[OutgoingMessage]) -> float:
    with channel_to(url) as channel:
        channel.confirm_delivery()  # each basic_publish now waits for its confirm
        return len(messages) / _publish_seconds(channel, topology, messages)


def _consumer_per_s(container: Container, topology: Topology, channel: BlockingChannel, commands: int) -> float:
    consumer = container.command_consumer()
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready))
    thread.start()
    try:
        ready.wait(10)
        client = CommandClient(channel, topology.commands_queue)
        started = time.perf_counter()
        sent = [client.send("CreateCategory", {"name": f"Category {number}"}) for number in range(commands)]
        client.wait_for_all(sent, timeout_s=300)
        return commands / (time.perf_counter() - started)
    finally:
        stop.set()
        thread.join(10)


def main() -> None:
    figures = measure()
    print(f"message size: {figures.message_bytes} bytes")
    print(f"relay (batched confirms): {figures.relay_events_per_s:8.0f} events/s")
    print(f"raw publish, no confirms: {figures.raw_publish_per_s:8.0f} messages/s")
    print(f"relay / raw:              {figures.relay_to_raw:8.2f}")
    print(f"one confirm per message:  {figures.confirm_each_per_s:8.0f} messages/s")
    print(f"consumer, end to end:     {figures.consumer_commands_per_s:8.0f} commands/s")


if __name__ == "__main__":
    main()
