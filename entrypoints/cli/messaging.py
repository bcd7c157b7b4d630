"""`relay`, `consume`, `project` and `replay`: the service's work on RabbitMQ.

The first three run until SIGTERM or SIGINT, finish the unit of work in hand, and exit 0.
"""

import argparse
import logging
import sys

from prometheus_client import start_http_server

from adapters.rabbitmq import BrokerUnavailable
from entrypoints.amqp.background import lease_for, relay_while_leased
from entrypoints.amqp.replay import count_from
from entrypoints.amqp.replay import replay as replay_events
from entrypoints.amqp.stopping import stop_on_signals
from entrypoints.cli.progress import progress_bar
from entrypoints.containers import build_container
from entrypoints.heap import freeze_startup_heap
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings


def relay(args: argparse.Namespace, settings: Settings) -> int:
    """Publishes the outbox to RabbitMQ: until stopped, or (--once) until nothing is pending."""
    configure_logging(settings.log_level)
    outbox_relay = build_container(settings).outbox_relay(batch_size=args.batch_size)
    lease = lease_for(settings.data_dir)
    if args.once:
        if not lease.try_acquire():
            print("product-service: another relay holds the lease of this data directory", file=sys.stderr)
            return 1
        with lease:
            try:
                published = outbox_relay.drain()
            except BrokerUnavailable as error:
                print(f"product-service: {error}; {outbox_relay.published} events published", file=sys.stderr)
                return 1
            finally:
                outbox_relay.publisher.close()
        print(f"published {published} events")
        return 0
    stop = stop_on_signals()
    freeze_startup_heap()
    relay_while_leased(outbox_relay, lease, stop,
                       on_waiting=lambda: logging.info("another relay holds the lease; standing by"))
    print(f"relay stopped: {outbox_relay.published} events published")
    return 0


def consume(args: argparse.Namespace, settings: Settings) -> int:
    """Carries out the commands of the command queue until stopped."""
    configure_logging(settings.log_level)
    container = build_container(settings)
    consumer = container.command_consumer(prefetch=args.prefetch)
    if args.metrics_port:
        start_http_server(args.metrics_port, args.metrics_host, registry=container.metrics_registry())
    freeze_startup_heap()
    consumer.run(stop_on_signals())
    print(f"consumer stopped: {consumer.replied} commands answered, {consumer.dead_lettered} dead-lettered")
    return 0


def project(args: argparse.Namespace, settings: Settings) -> int:
    """Keeps the read models up with the events on RabbitMQ until stopped."""
    configure_logging(settings.log_level)
    runner = build_container(settings).projection_runner(batch_size=args.batch_size)
    freeze_startup_heap()
    runner.run(stop_on_signals())
    print("projection runner stopped")
    return 0


def replay(args: argparse.Namespace, settings: Settings) -> int:
    """Publishes the events from a feed position again (all shards, or one)."""
    container = build_container(settings)
    store = container.event_store()
    shard_count = store.feed_shards()
    if args.shard is not None and args.shard >= shard_count:
        print(f"product-service: the feed has {shard_count} shard(s): 0 to {shard_count - 1}", file=sys.stderr)
        return 2
    shards = [args.shard] if args.shard is not None else list(range(shard_count))
    publisher = container.event_publisher()
    reached: dict[int, int] = {}
    with progress_bar(f"Replaying from position {args.from_position}",
                      count_from(store, shards, args.from_position)) as bar:

        def advance(done: int, shard: int, position: int) -> None:
            reached[shard] = position
            bar(done)

        try:
            replayed = replay_events(store, container.mapper(), publisher, args.from_position, shards,
                                     args.batch_size, advance)
        except BrokerUnavailable as error:
            where = ", ".join(f"shard {shard} up to position {position}" for shard, position in reached.items())
            print(f"product-service: {error}; replayed {where or 'nothing'}", file=sys.stderr)
            return 1
        finally:
            publisher.close()
    print(f"replayed {replayed} events")
    return 0
