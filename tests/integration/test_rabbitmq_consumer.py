"""The command consumer against a real RabbitMQ: replies, idempotency, dead letters, retries."""

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from adapters.rabbitmq import Topology
from application.unit_of_work import CommandContext
from domain.commands import CreateCategory
from entrypoints.amqp.consumer import RabbitMQCommandConsumer
from entrypoints.amqp.processor import CommandProcessor
from entrypoints.containers import Container
from entrypoints.logs import CorrelationIdFilter
from tests.amqp_scenarios import CommandClient, new_id, service_container
from tests.rabbitmq_broker import AMQP_URL, USER, channel_to, drain

pytestmark = pytest.mark.slow


@pytest.fixture
def container(tmp_path: Path, topology: Topology) -> Container:
    return service_container(tmp_path, AMQP_URL, topology, busy_timeout_s=0.05)


def processor_of(container: Container) -> CommandProcessor:
    return CommandProcessor(container.consumer_message_bus(), container.command_responses(),
                            container.event_store(), retry_delays_s=(0.2, 0.4, 0.8), duplicate_wait_s=0.2)


@contextmanager
def consuming(container: Container, topology: Topology,
              processor: CommandProcessor | None = None) -> Iterator[RabbitMQCommandConsumer]:
    """A consumer running in a thread until the block ends."""
    consumer = RabbitMQCommandConsumer(AMQP_URL, processor or processor_of(container), topology)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop, ready))
    thread.start()
    try:
        assert ready.wait(10)
        yield consumer
    finally:
        stop.set()
        thread.join(10)


@pytest.fixture
def client(topology: Topology) -> Iterator[CommandClient]:
    with channel_to() as channel:
        yield CommandClient(channel, topology.commands_queue)


def events_caused_by(container: Container, command_id: str) -> list[str]:
    store = container.event_store()
    return [event.event_type for event in store.read_feed(0, 0, 10_000) if event.causation_id == command_id]


def dead_letters(topology: Topology, expected: int) -> dict[str, str]:
    """The dead-lettered bodies and their reasons."""
    with channel_to() as channel:
        deliveries = drain(channel, topology.dead_letter_queue, expected, timeout_s=10)
    return {d.body.decode(errors="replace"): d.properties.headers["x-rejection-reason"] for d in deliveries}


def test_a_command_is_carried_out_as_the_message_user_and_answered(container, topology, client):
    category_id = new_id()
    with consuming(container, topology):
        category = client.reply_to(client.send("CreateCategory", {"id": category_id, "name": "Shoes"}))
        command_id = new_id()
        correlation_id = client.send("CreateProduct", {"sku": "BOOT-1", "name": "Boot", "categoryIds": [category_id]},
                                     command_id=command_id)
        product = client.reply_to(correlation_id)

    assert category == {"status": "accepted", "commandId": category["commandId"], "entityId": category_id,
                        "version": 1, "error": None}
    assert (product["status"], product["version"], product["error"]) == ("accepted", 1, None)
    [event] = container.event_store().load(product["entityId"])
    assert event.event_type == "ProductCreated" and event.data["categoryIds"] == [category_id]
    assert (event.user_id, event.correlation_id, event.causation_id) == (USER, correlation_id, command_id)


def test_the_same_command_id_twice_gets_the_same_reply_and_records_one_event(container, topology, client):
    command_id = new_id()
    with consuming(container, topology):
        first = client.send("CreateCategory", {"name": "Shoes"}, command_id=command_id)
        second = client.send("CreateCategory", {"name": "Shoes"}, command_id=command_id)
        replies = [client.reply_to(first), client.reply_to(second)]

    assert replies[0] == replies[1] and replies[0]["status"] == "accepted"
    assert events_caused_by(container, command_id) == ["CategoryCreated"]


def test_a_command_carried_out_before_its_reply_was_stored_is_answered_from_its_events(container, topology, client):
    """As after a crash between the write and the stored reply: the redelivery finds the key claimed."""
    command_id, category_id = new_id(), new_id()
    context = CommandContext(USER, "first-delivery", command_id, f"amqp:{command_id}")
    container.consumer_message_bus().handle(CreateCategory(category_id, "Shoes"), context)
    with consuming(container, topology):
        reply = client.reply_to(client.send("CreateCategory", {"id": category_id, "name": "Shoes"},
                                            command_id=command_id))

    assert reply == {"status": "accepted", "commandId": command_id, "entityId": category_id, "version": 1,
                     "error": None}
    assert events_caused_by(container, command_id) == ["CategoryCreated"]


def test_the_same_command_id_with_another_payload_is_refused(container, topology, client):
    command_id = new_id()
    with consuming(container, topology):
        client.reply_to(client.send("CreateCategory", {"name": "Shoes"}, command_id=command_id))
        reply = client.reply_to(client.send("CreateCategory", {"name": "Boots"}, command_id=command_id))

    assert reply["status"] == "rejected" and reply["error"]["code"] == "command_id_reused"
    assert events_caused_by(container, command_id) == ["CategoryCreated"]


def test_a_refused_command_is_answered_rejected_and_not_dead_lettered(container, topology, client):
    with consuming(container, topology) as consumer:
        product = client.reply_to(client.send("CreateProduct", {"sku": "BOOT-1", "name": "Boot"}))
        command_id = new_id()
        activation = client.send("ActivateProduct", {"productId": product["entityId"]}, command_id=command_id)
        refused = client.reply_to(activation)
        again = client.reply_to(client.send("ActivateProduct", {"productId": product["entityId"]},
                                            command_id=command_id))
        taken = client.reply_to(client.send("CreateProduct", {"sku": "BOOT-1", "name": "Another boot"}))
        stale = client.reply_to(client.send("UpdateProduct", {"productId": product["entityId"], "name": "Trail",
                                                              "expectedVersion": 7}))

    assert refused["status"] == "rejected" and refused["error"]["code"] == "rule_violated"
    assert (refused["entityId"], refused["version"]) == (product["entityId"], None)
    assert again == refused
    assert taken["error"]["code"] == "already_taken" and stale["error"]["code"] == "concurrent_change"
    assert consumer.dead_lettered == 0


def test_bad_messages_are_dead_lettered_with_their_reason_while_good_ones_flow(container, topology, client):
    bad = {
        b"{not json": "malformed JSON",
        b'["CreateCategory"]': "malformed command",
        b'{"commandType": "LaunchRocket", "commandId": "c-1", "payload": {}}': "unknown commandType 'LaunchRocket'",
        b'{"commandType": "CreateCategory", "commandId": "c-2", "payload": {"name": ""}}': "invalid payload",
        b'{"commandType": "SetPrice", "commandId": "c-3", "payload": {"productId": "x", "amount": 1.5}}':
            "invalid payload",
    }
    anonymous = b'{"commandType": "CreateCategory", "commandId": "c-4", "payload": {"name": "Anonymous"}}'
    with consuming(container, topology) as consumer:
        good = [client.send("CreateCategory", {"name": "First"})]
        for body in bad:
            client.send("", None, body=body)
            good.append(client.send("CreateCategory", {"name": f"Good {len(good)}"}))
        client.send("", None, body=anonymous, user_id=None)
        good.append(client.send("CreateCategory", {"name": "Last"}))
        replies = [client.reply_to(correlation_id) for correlation_id in good]
        reasons = dead_letters(topology, len(bad) + 1)

    assert [reply["status"] for reply in replies] == ["accepted"] * 7
    assert set(reasons) == {body.decode() for body in [*bad, anonymous]}
    for body, reason in bad.items():
        assert reasons[body.decode()].startswith(reason)
    assert reasons[list(bad)[3].decode()] == 'invalid payload: {"name":["Length must be between 1 and 200."]}'
    assert reasons[anonymous.decode()].startswith("missing user_id")
    assert consumer.dead_lettered == 6 and consumer.replied == 7
    assert len(client.replies) == 7  # no reply to a dead letter


def test_a_transient_store_failure_is_retried_until_it_passes(container, topology, client):
    """A write waits 0.05 s for the store's lock: only a retry can succeed once it is released."""
    lock = sqlite3.connect(Path(container.config.event_db_path()), isolation_level=None, check_same_thread=False)
    lock.execute("BEGIN IMMEDIATE")  # holds the event store's write lock
    with consuming(container, topology):
        sent = time.monotonic()
        correlation_id = client.send("CreateCategory", {"name": "Shoes"})
        threading.Timer(0.5, lambda: lock.execute("ROLLBACK")).start()
        reply = client.reply_to(correlation_id)
        answered_after = time.monotonic() - sent

    assert reply["status"] == "accepted" and answered_after >= 0.5
    assert [e.event_type for e in container.event_store().read_feed(0, 0)] == ["CategoryCreated"]


def test_a_transient_failure_that_outlasts_the_retries_is_dead_lettered(container, topology, client):
    lock = sqlite3.connect(Path(container.config.event_db_path()), isolation_level=None, check_same_thread=False)
    lock.execute("BEGIN IMMEDIATE")
    try:
        with consuming(container, topology):
            client.send("CreateCategory", {"name": "Shoes"})
            reasons = dead_letters(topology, 1)
    finally:
        lock.execute("ROLLBACK")

    [reason] = reasons.values()
    assert reason.startswith("transient failure after 4 attempts") and "database is locked" in reason
    assert container.event_store().read_feed(0, 0) == []


def test_a_consumer_comes_back_after_losing_the_broker(container, topology, client):
    with consuming(container, topology):
        before = client.reply_to(client.send("CreateCategory", {"name": "Before"}))
        with channel_to() as admin:
            admin.queue_delete(topology.commands_queue)  # the broker cancels the consumer
        client.channel.queue_declare(topology.commands_queue, durable=True,
                                     arguments={"x-dead-letter-exchange": topology.dead_letter_exchange})
        after = client.reply_to(client.send("CreateCategory", {"name": "After"}), timeout_s=15)

    assert before["status"] == after["status"] == "accepted"


def test_the_consumer_counts_each_command_and_tags_its_log_records_with_the_correlation_id(
        container, topology, client, caplog):
    caplog.handler.addFilter(CorrelationIdFilter())
    with caplog.at_level(logging.WARNING), consuming(container, topology):
        client.reply_to(client.send("CreateCategory", {"name": "Shoes"}))
        unknown = client.send("NoSuchCommand", {})
        dead_letters(topology, 1)

    metrics = generate_latest(container.metrics_registry()).decode()
    assert 'product_service_commands_total{command="CreateCategory",outcome="accepted"} 1.0' in metrics
    assert 'product_service_events_appended_total{aggregate="category",event="CategoryCreated"} 1.0' in metrics
    [dead_lettering] = [record for record in caplog.records if record.getMessage().startswith("dead-lettering")]
    assert dead_lettering.correlation_id == unknown
