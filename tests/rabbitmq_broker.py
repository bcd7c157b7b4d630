"""The RabbitMQ the tests use (127.0.0.1:5672, started by `make services`): a virtual host or
uniquely named exchanges and queues per test, so that tests running in parallel never meet,
and helpers to read what arrived."""

import os
import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import pika
from pika.adapters.blocking_connection import BlockingChannel

from adapters.rabbitmq import Topology

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
USER = urllib.parse.urlparse(AMQP_URL).username or "guest"


@dataclass(frozen=True)
class Delivery:
    routing_key: str
    properties: pika.BasicProperties
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


def url_for_vhost(vhost: str) -> str:
    parts = urllib.parse.urlparse(AMQP_URL)
    return urllib.parse.urlunparse(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


@contextmanager
def fresh_vhost() -> Iterator[str]:
    """A new virtual host for this test (the SPEC's default names are free in it); its URL."""
    vhost = f"test-{uuid.uuid4().hex[:12]}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, USER, ".*", ".*", ".*")
        yield url_for_vhost(vhost)
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@contextmanager
def unique_topology(url: str = AMQP_URL) -> Iterator[Topology]:
    """The service's names with a suffix of this test's own; deleted afterwards."""
    topology = Topology().with_suffix(f".test-{uuid.uuid4().hex[:12]}")
    try:
        yield topology
    finally:
        with channel_to(url) as channel:
            for queue in (topology.commands_queue, topology.dead_letter_queue, topology.projections_queue):
                channel.queue_delete(queue)
            for exchange in (topology.events_exchange, topology.dead_letter_exchange):
                channel.exchange_delete(exchange)


@contextmanager
def channel_to(url: str = AMQP_URL) -> Iterator[BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        yield connection.channel()
    finally:
        if connection.is_open:
            connection.close()


def bind_listener(channel: BlockingChannel, exchange: str, queue: str | None = None, key: str = "#") -> str:
    """A queue that receives what the (durable topic) exchange routes with `key`; its name."""
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    name = queue or f"listener-{uuid.uuid4().hex[:12]}"
    channel.queue_declare(name, durable=queue is not None, auto_delete=queue is None)
    channel.queue_bind(name, exchange, routing_key=key)
    return name


def drain(channel: BlockingChannel, queue: str, expected: int, timeout_s: float = 30.0,
          settle_s: float = 0.3) -> list[Delivery]:
    """Every message of the queue once at least `expected` have come and no more arrive for
    `settle_s` (or the timeout passes)."""
    deliveries: list[Delivery] = []
    deadline = time.monotonic() + timeout_s
    for method, properties, body in channel.consume(queue, auto_ack=True, inactivity_timeout=settle_s):
        if method is not None:
            deliveries.append(Delivery(method.routing_key, properties, body))
        elif len(deliveries) >= expected or time.monotonic() > deadline:
            break
    channel.cancel()
    return deliveries


def message_count(channel: BlockingChannel, queue: str) -> int:
    return int(channel.queue_declare(queue, passive=True).method.message_count)


def consumer_count(url: str, queue: str) -> int:
    """How many consumers the queue has; 0 if it does not exist (yet)."""
    try:
        with channel_to(url) as channel:
            return int(channel.queue_declare(queue, passive=True).method.consumer_count)
    except pika.exceptions.ChannelClosedByBroker:
        return 0


def delete_queues(url: str, *queues: str) -> None:
    with channel_to(url) as channel:
        for queue in queues:
            channel.queue_delete(queue)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)
