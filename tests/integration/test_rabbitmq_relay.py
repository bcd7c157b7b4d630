"""The outbox relay against a real RabbitMQ: names, properties, confirms, outages and crashes."""

import signal
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from adapters.rabbitmq import BrokerUnavailable, RabbitMQConfirmingPublisher, routing_key
from application.envelope import StoredEvent
from application.mapper import EventMapper
from domain.events import ALL_EVENTS
from entrypoints.amqp.lease import RelayLease
from entrypoints.amqp.relay import Backoff, OutboxRelay
from entrypoints.containers import Container
from tests.amqp_scenarios import (
    ROUTING_KEYS,
    record_every_event_type,
    record_updates,
    run_service,
    service_container,
    start_service,
    wait_for,
)
from tests.rabbitmq_broker import (
    AMQP_URL,
    Delivery,
    bind_listener,
    channel_to,
    drain,
    fresh_vhost,
    message_count,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def vhost_url() -> Iterator[str]:
    """A virtual host for the tests that run the relay as a process, with the default names."""
    with fresh_vhost() as url:
        yield url


def broker_port() -> int:
    return 5672


def proxied_url(proxy: TcpProxy) -> str:
    return f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F?heartbeat=10"


def assert_each_event_arrived_in_entity_order(deliveries: list[Delivery], events: list[StoredEvent]) -> None:
    """Every event arrived; a second copy only as a re-send (same message_id and body); each
    entity's events first arrived in sequence order."""
    first: dict[str, Delivery] = {}
    order: dict[str, list[int]] = defaultdict(list)
    for delivery in deliveries:
        message_id = delivery.properties.message_id
        if message_id in first:
            assert delivery.body == first[message_id].body, "a copy differs from the first delivery"
            continue
        first[message_id] = delivery
        order[delivery.json["entityId"]].append(delivery.json["sequenceNumber"])
    assert set(first) == {event.event_id for event in events}
    for entity_id, sequence in order.items():
        assert sequence == list(range(1, len(sequence) + 1)), f"{entity_id} arrived out of order"


def test_routing_keys_are_the_aggregate_and_the_event_without_the_aggregate_prefix():
    keys = {cls.__name__: routing_key(cls.AGGREGATE, cls.__name__) for cls in ALL_EVENTS}

    assert keys == ROUTING_KEYS


def test_every_event_type_goes_out_with_its_routing_key_and_properties(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)
    record_every_event_type(container.bulk_message_bus())
    events = container.event_store().read_feed(0, 0)
    with channel_to() as channel:
        queue = bind_listener(channel, topology.events_exchange)

        published = container.outbox_relay().drain()
        deliveries = drain(channel, queue, len(events))

    assert published == len(events) and container.event_store().pending() == []
    assert [d.json["eventId"] for d in deliveries] == [e.event_id for e in events]  # feed order
    assert {d.json["eventType"]: d.routing_key for d in deliveries} == ROUTING_KEYS
    for delivery, event in zip(deliveries, events, strict=True):
        properties = delivery.properties
        assert properties.message_id == event.event_id
        assert properties.delivery_mode == 2
        assert properties.content_type == "application/json"
        assert properties.correlation_id == event.correlation_id
        assert properties.type == event.event_type
        assert properties.headers["x-correlation-id"] == event.correlation_id
        assert properties.headers["x-causation-id"] == event.causation_id
        assert (properties.headers["x-feed-shard"], properties.headers["x-feed-position"]) == (0, event.position)
        assert delivery.json == event.envelope()


def test_events_are_published_upcast_to_their_current_schema(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)
    store = container.event_store()
    product_id = str(uuid.uuid4())
    old_shape = {"sku": "OLD-1", "name": "Boot", "description": "", "attributes": {}, "categoryIds": []}
    store.append(product_id, 0, [StoredEvent(product_id, 1, str(uuid.uuid4()), "ProductCreated", 0, "product",
                                             old_shape, datetime.now(UTC), "alice", "c", "k")])
    mapper = EventMapper(ALL_EVENTS, {("ProductCreated", 0): lambda data: {**data, "brand": "unbranded"}})
    with channel_to() as channel:
        queue = bind_listener(channel, topology.events_exchange)

        OutboxRelay(store, mapper, RabbitMQConfirmingPublisher(AMQP_URL, topology)).drain()
        [delivery] = drain(channel, queue, 1)

    assert delivery.json["eventVersion"] == 1
    assert delivery.json["eventData"] == {**old_shape, "brand": "unbranded"}
    assert store.load(product_id)[0].data == old_shape  # the stored copy is never changed


def test_nothing_is_marked_published_while_the_broker_is_unreachable(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)
    record_every_event_type(container.bulk_message_bus())
    store = container.event_store()
    with TcpProxy("127.0.0.1", broker_port()) as proxy, channel_to() as channel:
        queue = bind_listener(channel, topology.events_exchange)
        relay = OutboxRelay(store, container.mapper(), RabbitMQConfirmingPublisher(proxied_url(proxy), topology))
        proxy.cut()

        with pytest.raises(BrokerUnavailable):
            relay.publish_batch()
        still_pending = len(store.pending())
        proxy.restore()
        published = relay.drain()
        relay.publisher.close()
        deliveries = drain(channel, queue, published)

    assert still_pending == published == len(deliveries) == len(store.read_feed(0, 0))
    assert store.pending() == []


def test_a_broker_outage_during_1000_writes_loses_nothing_and_keeps_each_entity_in_order(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)
    bus, store = container.bulk_message_bus(), container.event_store()
    with TcpProxy("127.0.0.1", broker_port()) as proxy, channel_to() as channel:
        queue = bind_listener(channel, topology.events_exchange)
        relay = OutboxRelay(store, container.mapper(), RabbitMQConfirmingPublisher(proxied_url(proxy), topology),
                            batch_size=100, idle_poll_s=0.02, backoff=Backoff(0.05, 0.5))
        stop = threading.Event()
        relaying = threading.Thread(target=relay.run, args=(stop,))
        relaying.start()
        writing = threading.Thread(target=record_updates, args=(bus, 50, 19, 0.001))  # 50 + 950 writes
        writing.start()
        wait_for(lambda: relay.published >= 200)
        proxy.cut()
        time.sleep(2.0)
        during_outage = relay.published
        proxy.restore()
        writing.join()
        wait_for(lambda: not store.pending(), timeout_s=60)
        stop.set()
        relaying.join()
        events = store.read_feed(0, 0, limit=10_000)
        deliveries = drain(channel, queue, len(events))

    assert len(events) == 1000
    assert during_outage < 1000 and proxy.connections >= 2  # the outage did interrupt the relay
    assert_each_event_arrived_in_entity_order(deliveries, events)


def test_a_relay_killed_mid_batch_resends_only_what_was_not_confirmed(tmp_path, vhost_url):
    container = service_container(tmp_path, vhost_url)
    record_updates(container.bulk_message_bus(), 100, 29)
    store = container.event_store()
    events = store.read_feed(0, 0, limit=10_000)
    with channel_to(vhost_url) as channel:
        queue = bind_listener(channel, "product.events")
        relay = start_service(tmp_path, vhost_url, "relay", "--batch-size", "200")
        wait_for(lambda: message_count(channel, queue) >= 600)
        relay.kill()
        relay.wait()
        pending_after_kill = len(store.pending(limit=10_000))

        again = run_service(tmp_path, vhost_url, "relay", "--once")
        deliveries = drain(channel, queue, len(events))

    assert 0 < pending_after_kill < len(events) == 3000
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"published {pending_after_kill} events\n"
    assert store.pending() == []
    assert_each_event_arrived_in_entity_order(deliveries, events)


def test_replay_publishes_the_feed_again_from_a_position_without_touching_the_outbox(tmp_path, vhost_url):
    container = service_container(tmp_path, vhost_url)
    record_every_event_type(container.bulk_message_bus())
    events = container.event_store().read_feed(0, 0)
    with channel_to(vhost_url) as channel:
        queue = bind_listener(channel, "product.events")

        result = run_service(tmp_path, vhost_url, "replay", "--from-position", "5")
        deliveries = drain(channel, queue, len(events) - 4)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"replayed {len(events) - 4} events\n"
    assert [d.properties.message_id for d in deliveries] == [e.event_id for e in events[4:]]
    assert all(d.properties.headers["x-replayed"] is True for d in deliveries)
    assert len(container.event_store().pending()) == len(events)


def test_replay_refuses_a_shard_the_feed_does_not_have(tmp_path, vhost_url):
    service_container(tmp_path, vhost_url)

    result = run_service(tmp_path, vhost_url, "replay", "--from-position", "1", "--shard", "3")

    assert result.returncode == 2
    assert "the feed has 1 shard(s)" in result.stderr


def test_one_relay_per_data_directory_publishes_and_a_standby_takes_over_when_it_stops(tmp_path, vhost_url):
    container = service_container(tmp_path, vhost_url)
    bus, store = container.bulk_message_bus(), container.event_store()
    with channel_to(vhost_url) as channel:
        queue = bind_listener(channel, "product.events")
        active = start_service(tmp_path, vhost_url, "relay", log_name="active")
        record_updates(bus, 10, 4)
        wait_for(lambda: not store.pending(), timeout_s=60)
        standby = start_service(tmp_path, vhost_url, "relay", log_name="standby")
        wait_for(lambda: "standing by" in (tmp_path / "standby.log").read_text(), timeout_s=60)
        active.send_signal(signal.SIGTERM)
        active_exit = active.wait(timeout=15)
        record_updates(bus, 10, 4)
        wait_for(lambda: not store.pending(), timeout_s=30)
        standby.send_signal(signal.SIGTERM)
        standby_exit = standby.wait(timeout=15)
        events = store.read_feed(0, 0, 1000)
        deliveries = drain(channel, queue, len(events))

    assert (active_exit, standby_exit) == (0, 0)
    assert (tmp_path / "active.log").read_text().endswith("relay stopped: 50 events published\n")
    assert (tmp_path / "standby.log").read_text().endswith("relay stopped: 50 events published\n")
    assert len(deliveries) == len(events) == 100
    assert_each_event_arrived_in_entity_order(deliveries, events)


def test_a_data_directory_lease_is_held_by_one_holder_at_a_time(tmp_path):
    first, second = RelayLease(tmp_path / "relay.lock"), RelayLease(tmp_path / "relay.lock")

    assert first.try_acquire() and first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def relay_backlog(container: Container) -> dict[str, float]:
    """The backlog gauge, per shard, as /metrics shows it."""
    text = generate_latest(container.metrics_registry()).decode()
    return {sample.labels["shard"]: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == "product_service_relay_backlog_events"}


def test_the_backlog_gauge_counts_the_events_the_relay_has_not_published_yet(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)
    record_every_event_type(container.bulk_message_bus())
    committed = container.event_store().feed_head(0)

    before = relay_backlog(container)
    container.outbox_relay().drain()
    after = relay_backlog(container)

    assert committed > 0 and before == {"0": committed}
    assert after == {"0": 0}


def test_readiness_checks_the_broker_when_one_is_configured(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)

    assert container.readiness().check() == {"eventStore": "ok", "readModels": "ok", "broker": "ok"}
