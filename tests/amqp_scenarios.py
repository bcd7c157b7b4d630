"""Work for the RabbitMQ tests: commands that record every kind of event, many small writes
across many entities, and a client that sends command messages and collects the replies."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pika
from dependency_injector import providers
from pika.adapters.blocking_connection import BlockingChannel

from adapters.dynamodb.feed import shard_of
from adapters.rabbitmq import Topology
from adapters.sqlite import create_sqlite_engine
from application.messagebus import MessageBus
from application.unit_of_work import CommandContext
from domain import commands
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import Settings
from tests.rabbitmq_broker import USER

# every event type, and the routing key it is published with
ROUTING_KEYS = {
    "ProductCreated": "product.created", "ProductDetailsUpdated": "product.details_updated",
    "ProductAttributesChanged": "product.attributes_changed", "ProductAddedToCategory": "product.added_to_category",
    "ProductRemovedFromCategory": "product.removed_from_category", "ProductActivated": "product.activated",
    "ProductDeactivated": "product.deactivated", "ProductDiscontinued": "product.discontinued",
    "ProductDeleted": "product.deleted", "ProductImported": "product.imported",
    "CategoryCreated": "category.created", "CategoryRenamed": "category.renamed",
    "CategoryDescriptionUpdated": "category.description_updated", "CategoryMoved": "category.moved",
    "CategoryDeleted": "category.deleted", "PriceSet": "price.set", "PriceChanged": "price.changed",
    "PriceChangeScheduled": "price.change_scheduled", "DiscountAdded": "price.discount_added",
    "DiscountRemoved": "price.discount_removed",
}


def new_id() -> str:
    return str(uuid.uuid4())


def new_ids(count: int, shards: int = 1) -> list[str]:
    """New ids; the first `shards` of them fall one on each shard of a sharded feed, so a
    scenario that needs every shard written does not leave one empty by chance."""
    ids: list[str] = []
    while len(ids) < min(count, shards):
        candidate = new_id()
        if shard_of(candidate, shards) == len(ids):
            ids.append(candidate)
    return ids + [new_id() for _ in range(count - len(ids))]


def record_every_event_type(bus: MessageBus, user: str = "alice") -> None:
    """A catalog history that has at least one event of each type."""
    shoes, boots, boot, legacy = new_id(), new_id(), new_id(), new_id()
    later = datetime.now(UTC) + timedelta(days=30)
    script: list[commands.Command] = [
        commands.CreateCategory(shoes, "Shoes"),
        commands.CreateCategory(boots, "Boots"),
        commands.ReviseCategory(boots, name="Winter boots"),
        commands.ReviseCategory(boots, description="Warm"),
        commands.MoveCategory(boots, shoes),
        commands.CreateProduct(boot, f"BOOT-{boot[:8]}", "Boot", category_ids=(shoes,)),
        commands.UpdateProduct(boot, name="Trail boot"),
        commands.UpdateProduct(boot, set_attributes={"size": 42}),
        commands.AddProductToCategory(boot, boots),
        commands.RemoveProductFromCategory(boot, boots),
        commands.SetPrice(boot, "89.00", "EUR"),
        commands.SetPrice(boot, "79.00", "EUR"),
        commands.SetPrice(boot, "99.00", "EUR", effective_from=later),
        commands.AddDiscount(boot, "spring", "percentage", "10"),
        commands.RemoveDiscount(boot, "spring"),
        commands.ActivateProduct(boot),
        commands.DeactivateProduct(boot),
        commands.DiscontinueProduct(boot),
        commands.DeleteProduct(boot),
        commands.ImportProduct(legacy, f"OLD-{legacy[:8]}", "Old boot", "", "", {}, (shoes,), "draft", "legacy",
                               legacy),
        commands.DeleteCategory(boots),
    ]
    for number, command in enumerate(script):
        bus.handle(command, CommandContext(user, f"correlation-{number}", f"command-{number}"))


def record_updates(bus: MessageBus, products: int, updates_each: int, pause_s: float = 0.0,
                   shards: int = 1) -> list[str]:
    """Creates products and renames each of them, round robin; their ids. With `shards`, the
    products write every shard of a feed of that many."""
    ids = new_ids(products, shards)
    for product_id in ids:
        bus.handle(commands.CreateProduct(product_id, f"SKU-{product_id[:13]}", "Product"),
                   CommandContext("writer", new_id(), new_id()))
    for round_ in range(updates_each):
        for product_id in ids:
            bus.handle(commands.UpdateProduct(product_id, name=f"Product, version {round_ + 2}"),
                       CommandContext("writer", new_id(), new_id()))
            if pause_s:
                time.sleep(pause_s)
    return ids


class CommandClient:
    """Sends command messages to a queue and collects the replies, by correlation id."""

    def __init__(self, channel: BlockingChannel, queue: str) -> None:
        self.channel = channel
        self.queue = queue
        self.reply_queue = channel.queue_declare("", exclusive=True).method.queue
        self.replies: dict[str, list[dict[str, Any]]] = {}

    def send(self, command_type: str, payload: Any, command_id: str | None = None, user_id: str | None = USER,
             body: bytes | None = None) -> str:
        """Publishes one command; the correlation id its reply will carry."""
        correlation_id = new_id()
        if body is None:
            body = orjson.dumps({"commandType": command_type, "commandId": command_id or new_id(),
                                 "payload": payload})
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2, user_id=user_id,
                                          reply_to=self.reply_queue, correlation_id=correlation_id)
        self.channel.basic_publish("", self.queue, body, properties)
        return correlation_id

    def wait_for(self, count: int, timeout_s: float = 30.0) -> dict[str, list[dict[str, Any]]]:
        """Collects replies until `count` have come in all (or the timeout)."""
        deadline = time.monotonic() + timeout_s
        while sum(map(len, self.replies.values())) < count and time.monotonic() < deadline:
            self._receive()
        return self.replies

    def wait_for_all(self, correlation_ids: Iterable[str], timeout_s: float = 30.0) -> dict[str, list[dict[str, Any]]]:
        """Collects replies until each command has one (or the timeout)."""
        wanted, deadline = set(correlation_ids), time.monotonic() + timeout_s
        while not wanted <= set(self.replies) and time.monotonic() < deadline:
            self._receive()
        return self.replies

    def reply_to(self, correlation_id: str, timeout_s: float = 30.0) -> dict[str, Any]:
        """The (first) reply to one command."""
        return self.wait_for_all([correlation_id], timeout_s)[correlation_id][0]

    def _receive(self) -> None:
        method, properties, body = self.channel.basic_get(self.reply_queue, auto_ack=True)
        if method is None:
            time.sleep(0.02)
        else:
            self.replies.setdefault(properties.correlation_id, []).append(orjson.loads(body))


def service_container(data_dir: Path, url: str, topology: Topology | None = None, broker: str = "rabbitmq",
                      busy_timeout_s: float = 30.0, synchronous: str = "NORMAL") -> Container:
    """The service's container on an SQLite data directory (initialised), talking to `url`;
    `busy_timeout_s` is how long a write waits for the event store's lock."""
    settings = Settings(data_dir=str(data_dir), sqlite_synchronous=synchronous, broker=broker, amqp_url=url)
    container = build_container(settings)
    container.sqlite_engine.override(providers.Singleton(
        create_sqlite_engine, settings.event_db_path, settings.sqlite_synchronous, busy_timeout_s))
    init_stores(container)
    if topology is not None:
        container.amqp_topology.override(providers.Object(topology))
    return container


def service_environment(data_dir: Path, url: str, extra: Mapping[str, str] = {}) -> dict[str, str]:
    """The service's settings on `data_dir` and `url`; `extra` adds or overrides (another event store)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PRODUCT_SERVICE_")}
    return {**env, "PRODUCT_SERVICE_DATA_DIR": str(data_dir), "PRODUCT_SERVICE_BROKER": "rabbitmq",
            "PRODUCT_SERVICE_SQLITE_SYNCHRONOUS": "NORMAL", "AMQP_URL": url, **extra}


def run_service(data_dir: Path, url: str, *args: str,
                extra: Mapping[str, str] = {}) -> subprocess.CompletedProcess[str]:
    """`product-service <args>` to its end."""
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env=service_environment(data_dir, url, extra),
                          capture_output=True, text=True, timeout=120, check=False)


def start_service(data_dir: Path, url: str, *args: str, log_name: str = "",
                  extra: Mapping[str, str] = {}) -> "subprocess.Popen[str]":
    """`product-service <args>` in the background, its output in `<data_dir>/<log_name>.log` (by
    default the subcommand's name)."""
    log = (data_dir / f"{log_name or args[0]}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", *args],
                            env=service_environment(data_dir, url, extra),
                            stdout=log, stderr=subprocess.STDOUT, text=True)


def wait_for(condition: Callable[[], object], timeout_s: float = 30.0) -> None:
    """Polls until the condition holds; fails the test if it does not in time."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
