"""Distributed projections: the read models kept from the events on RabbitMQ, gaps filled from
the event store, ending where a fresh rebuild from the store ends."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.rabbitmq import RabbitMQConfirmingPublisher, event_from_message, event_message
from adapters.read_models import SqlReadModels
from application.envelope import StoredEvent
from application.projections import Projector
from application.read_models import ProductFilter, ReadModels
from entrypoints.amqp.projection_runner import RabbitMQProjectionRunner
from entrypoints.containers import Container
from tests.amqp_scenarios import record_every_event_type, record_updates, service_container, wait_for
from tests.rabbitmq_broker import AMQP_URL

pytestmark = pytest.mark.slow


def as_delivered(events: list[StoredEvent]) -> list[StoredEvent | None]:
    """The events as the runner reads them from the relay's messages."""
    messages = [event_message(event) for event in events]
    return [event_from_message(message.body, message.properties.headers) for message in messages]


def everything_in(read_models: ReadModels) -> dict[str, Any]:
    now = datetime.now(UTC)
    products = read_models.products(ProductFilter(), None, 500, now).items
    return {"tree": read_models.category_tree(), "products": products,
            "each": [read_models.product(p["id"], now) for p in products],
            "prices": [read_models.price_history(p["id"]) for p in products]}


def fresh_rebuild(container: Container, tmp_path: Any) -> SqlReadModels:
    rebuilt = SqlReadModels(f"sqlite:///{tmp_path / 'rebuilt.db'}", container.mapper())
    rebuilt.create_tables()
    Projector(container.event_store(), rebuilt).catch_up()
    return rebuilt


@contextmanager
def projecting(runner: RabbitMQProjectionRunner) -> Iterator[threading.Event]:
    """The runner in a thread; yields the event it sets once it consumes; stops it at the end."""
    stop, ready = threading.Event(), threading.Event()
    running = threading.Thread(target=runner.run, args=(stop, ready))
    running.start()
    try:
        yield ready
    finally:
        stop.set()
        running.join(10)


def test_delivered_events_that_continue_the_checkpoint_are_applied_and_a_gap_is_filled_from_the_store(tmp_path):
    container = service_container(tmp_path, AMQP_URL)
    record_every_event_type(container.bulk_message_bus())
    events = container.event_store().read_feed(0, 0)
    runner, read_models = container.projection_runner(), container.read_models()

    runner.apply(as_delivered(events[:5]))
    after_the_first_five = read_models.checkpoints()
    runner.apply(as_delivered(events[8:10]))  # 6 to 8 never came
    after_the_gap = read_models.checkpoints()
    runner.apply(as_delivered(events[3:6]))  # re-sent: already applied

    assert after_the_first_five == {0: 5}
    assert after_the_gap == read_models.checkpoints() == {0: len(events)}
    assert (runner.applied_from_messages, runner.caught_up_from_store) == (2, 1)
    assert everything_in(read_models) == everything_in(fresh_rebuild(container, tmp_path))


def test_distributed_projections_reach_the_read_model_of_a_fresh_rebuild(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)
    runner = container.projection_runner(batch_size=50)
    with projecting(runner) as ready:
        assert ready.wait(10)
        bus, store, relay = container.bulk_message_bus(), container.event_store(), container.outbox_relay()
        record_every_event_type(bus)
        relay.drain()
        # applied as delivered; waited for, or the runner could take them in one batch with the
        # early ones below, catch up from the store at once and leave the rest unread
        wait_for(lambda: runner.applied_from_messages >= 1)
        record_updates(bus, 20, 10)
        events = store.read_feed(0, 0, 1000)
        early = RabbitMQConfirmingPublisher(AMQP_URL, topology)
        early.publish([event_message(event) for event in events[-5:]])  # ahead of their turn: a gap
        early.close()
        relay.drain()
        wait_for(lambda: container.read_models().checkpoints() == {0: events[-1].position}
                 and runner.caught_up_from_store >= 1)

    assert runner.applied_from_messages >= 1 and runner.caught_up_from_store >= 1
    projected = everything_in(container.read_models())
    assert len(projected["products"]) == 21 and projected["tree"]  # the deleted product is not listed
    assert projected == everything_in(fresh_rebuild(container, tmp_path))


class FailingOnce(Projector):
    """A projector whose first catch-up fails as no broker or store error would."""

    failures = 0

    def catch_up(self, batch: int = 500) -> int:
        if not self.failures:
            self.failures += 1
            raise RuntimeError("an event no projection can apply")
        return super().catch_up(batch)


def test_the_runner_outlives_an_unexpected_failure_and_catches_up_once_it_clears(tmp_path, topology):
    container = service_container(tmp_path, AMQP_URL, topology)
    record_every_event_type(container.bulk_message_bus())
    projector = FailingOnce(container.event_store(), container.read_models())
    runner = RabbitMQProjectionRunner(AMQP_URL, projector, container.read_models(), topology)
    with projecting(runner) as ready:
        caught_up = ready.wait(10)  # the first attempt fails, the next one (after a short backoff) succeeds

    assert projector.failures == 1 and caught_up
    assert container.read_models().checkpoints() == {0: container.event_store().feed_head(0)}
