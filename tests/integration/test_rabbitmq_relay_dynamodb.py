"""The outbox relay on the DynamoDB store: the outbox is the sharded feed, one checkpoint per
shard. Real RabbitMQ; DynamoDB is a moto server over HTTP (serialised, see tests/dynamodb_emulator)."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from adapters.rabbitmq import RabbitMQConfirmingPublisher, Topology
from application.envelope import StoredEvent
from application.ports import EventStore
from entrypoints.amqp.relay import Backoff, OutboxRelay
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import load_settings
from tests.amqp_scenarios import record_every_event_type, record_updates, wait_for
from tests.integration.conftest import DYNAMODB_FEED_SHARDS
from tests.integration.test_rabbitmq_projections import everything_in, fresh_rebuild, projecting
from tests.integration.test_rabbitmq_relay import assert_each_event_arrived_in_entity_order, proxied_url
from tests.rabbitmq_broker import (
    AMQP_URL,
    bind_listener,
    channel_to,
    drain,
    fresh_vhost,
    message_count,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SHARDS = DYNAMODB_FEED_SHARDS


@pytest.fixture
def environment(dynamodb_environment: dict[str, str]) -> dict[str, str]:
    return {**dynamodb_environment, "PRODUCT_SERVICE_BROKER": "rabbitmq", "AMQP_URL": AMQP_URL}


def dynamodb_container(environment: dict[str, str], topology: Topology | None = None) -> Container:
    container = build_container(load_settings(environment))
    init_stores(container)
    if topology is not None:
        container.amqp_topology.override(topology)
    return container


def whole_feed(store: EventStore) -> list[StoredEvent]:
    return [event for shard in range(store.feed_shards()) for event in store.read_feed(shard, 0, limit=10_000)]


def test_every_shard_is_published_in_its_own_order_and_checkpointed(environment, topology):
    container = dynamodb_container(environment, topology)
    record_every_event_type(container.bulk_message_bus())
    record_updates(container.bulk_message_bus(), 12, 3, shards=SHARDS)
    store = container.event_store()
    events = whole_feed(store)
    with channel_to() as channel:
        queue = bind_listener(channel, topology.events_exchange)

        published = container.outbox_relay(batch_size=25).drain()
        deliveries = drain(channel, queue, len(events))

    assert len({event.shard for event in events}) == SHARDS  # the scenario spans every shard
    assert published == len(deliveries) == len(events)
    for shard in range(SHARDS):
        positions = [d.properties.headers["x-feed-position"] for d in deliveries
                     if d.properties.headers["x-feed-shard"] == shard]
        assert positions == list(range(1, store.feed_head(shard) + 1)), f"shard {shard} out of order"
    assert store.pending() == [] and set(store.backlog().values()) == {0}
    assert_each_event_arrived_in_entity_order(deliveries, events)


def test_a_broker_outage_during_writes_loses_nothing_on_any_shard(environment, topology):
    container = dynamodb_container(environment, topology)
    store = container.event_store()
    with TcpProxy("127.0.0.1", 5672) as proxy, channel_to() as channel:
        queue = bind_listener(channel, topology.events_exchange)
        relay = OutboxRelay(store, container.mapper(), RabbitMQConfirmingPublisher(proxied_url(proxy), topology),
                            batch_size=50, idle_poll_s=0.02, backoff=Backoff(0.05, 0.5))
        stop = threading.Event()
        relaying = threading.Thread(target=relay.run, args=(stop,))
        relaying.start()
        writing = threading.Thread(target=record_updates, args=(container.bulk_message_bus(), 20, 14))  # 300 writes
        writing.start()
        wait_for(lambda: relay.published >= 50, timeout_s=60)
        proxy.cut()
        time.sleep(1.5)
        during_outage = relay.published
        proxy.restore()
        writing.join()
        wait_for(lambda: not store.pending(), timeout_s=90)
        stop.set()
        relaying.join()
        events = whole_feed(store)
        deliveries = drain(channel, queue, len(events))

    assert len(events) == 300
    assert during_outage < 300 and proxy.connections >= 2  # the outage did interrupt the relay
    assert_each_event_arrived_in_entity_order(deliveries, events)


def test_a_relay_process_killed_mid_batch_resends_only_what_no_shard_checkpoint_covers(environment):
    with fresh_vhost() as vhost_url:
        environment = {**environment, "AMQP_URL": vhost_url}
        container = dynamodb_container(environment)
        record_updates(container.bulk_message_bus(), 30, 19, shards=SHARDS)
        store = container.event_store()
        events = whole_feed(store)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("PRODUCT_SERVICE_")}, **environment}
        log = (Path(environment["PRODUCT_SERVICE_DATA_DIR"]) / "relay.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        with channel_to(vhost_url) as channel, log.open("w") as output:
            queue = bind_listener(channel, "product.events")
            relay = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "relay", "--batch-size", "100"],
                                     cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
            wait_for(lambda: message_count(channel, queue) >= 250, timeout_s=60)
            relay.kill()
            relay.wait()
            pending_after_kill = len(store.pending(limit=10_000))

            again = subprocess.run([sys.executable, "-m", "entrypoints.cli", "relay", "--once"], cwd=REPO, env=env,
                                   capture_output=True, text=True, timeout=120)
            deliveries = drain(channel, queue, len(events))

    assert 0 < pending_after_kill < len(events) == 600, log.read_text()
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"published {pending_after_kill} events\n"
    assert store.pending() == [] and set(store.backlog().values()) == {0}
    assert_each_event_arrived_in_entity_order(deliveries, events)


def test_distributed_projections_of_every_shard_reach_the_read_model_of_a_fresh_rebuild(environment, topology,
                                                                                       tmp_path):
    container = dynamodb_container(environment, topology)
    runner = container.projection_runner(batch_size=50)
    with projecting(runner) as ready:
        assert ready.wait(10)
        bus, store, relay = container.bulk_message_bus(), container.event_store(), container.outbox_relay()
        record_every_event_type(bus)
        record_updates(bus, 12, 4, shards=SHARDS)
        relay.drain()
        heads = {shard: store.feed_head(shard) for shard in range(SHARDS)}
        assert 0 not in heads.values()  # the scenario spans every shard
        wait_for(lambda: container.read_models().checkpoints() == heads, timeout_s=60)

    assert runner.applied_from_messages >= 1
    projected = everything_in(container.read_models())
    assert len(projected["products"]) == 13 and projected["tree"]  # the deleted product is not listed
    assert projected == everything_in(fresh_rebuild(container, tmp_path))
