"""The soak's checks bite: each kind of loss, duplication or divergence is reported."""

import uuid
from datetime import UTC, datetime

import orjson
import pika

from application.envelope import StoredEvent
from tests.rabbitmq_broker import Delivery
from tests.soak.checks import check_exchange, check_store, compare_tables
from tests.soak.workload import REFUSED, Outcome, create_product, update_product

PRODUCT = str(uuid.uuid4())


def event(key: str, sequence: int, entity_id: str = PRODUCT) -> StoredEvent:
    http = key.startswith("soak-http-")
    return StoredEvent(entity_id, sequence, str(uuid.uuid4()), "ProductCreated", 1, "product", {},
                       datetime.now(UTC), "soak-admin", key if http else "correlation",
                       "causation" if http else key, sequence)


def accepted(step, key: str, version: int, transport: str = "http") -> Outcome:
    return Outcome(step, transport, key, "accepted", PRODUCT, version)


def delivered(stored: StoredEvent, body: bytes | None = None) -> Delivery:
    return Delivery("product.created", pika.BasicProperties(message_id=stored.event_id),
                    body or orjson.dumps(stored.envelope()))


def a_history() -> tuple[list[Outcome], list[StoredEvent]]:
    create, rename = create_product(PRODUCT, "SKU-1", "Boot", []), update_product(PRODUCT, name="Trail boot")
    outcomes = [accepted(create, "soak-http-1", 1), accepted(rename, "soak-amqp-2", 2, "amqp"),
                Outcome(update_product(PRODUCT, 1, REFUSED, name="Late"), "http", "soak-http-3", "rejected")]
    return outcomes, [event("soak-http-1", 1), event("soak-amqp-2", 2)]


def test_a_sound_history_passes():
    outcomes, events = a_history()
    assert check_store(outcomes, events) == []
    count, problems = check_exchange([delivered(e) for e in events] + [delivered(events[0])], events)
    assert problems == [] and (count.received, count.distinct, count.duplicates) == (3, 2, 1)


def test_a_lost_event_is_reported():
    outcomes, events = a_history()
    assert any("0 events stored, expected 1" in p for p in check_store(outcomes, events[:1]))


def test_a_command_carried_out_twice_is_reported():
    outcomes, events = a_history()
    assert any("2 events stored, expected 1" in p for p in check_store(outcomes, [*events, event("soak-amqp-2", 3)]))


def test_events_of_a_refused_or_unknown_command_are_reported():
    outcomes, events = a_history()
    assert any("rejected, yet 1 events" in p for p in check_store(outcomes, [*events, event("soak-http-3", 3)]))
    assert any("of no command sent" in p for p in check_store(outcomes, [*events, event("soak-http-9", 3)]))


def test_a_wrong_version_or_an_unexpected_outcome_is_reported():
    outcomes, events = a_history()
    outcomes[0].version = 7
    outcomes[2].status = "accepted"
    problems = check_store(outcomes, events)
    assert any("told version 7" in p for p in problems)
    assert any("meant to be rejected" in p for p in problems)


def test_an_event_missing_on_the_exchange_or_out_of_order_or_altered_is_reported():
    _, events = a_history()
    assert any("never reached" in p for p in check_exchange([delivered(events[0])], events)[1])
    assert any("first arrived in the order [2, 1]" in p
               for p in check_exchange([delivered(events[1]), delivered(events[0])], events)[1])
    altered = delivered(events[0], orjson.dumps({**events[0].envelope(), "userId": "mallory"}))
    assert any("differs" in p for p in check_exchange([delivered(events[0]), altered, delivered(events[1])],
                                                      events)[1])


def test_read_models_that_differ_from_the_rebuild_are_reported():
    live = {"products": [("a", 1)], "product_prices": [("a", "EUR", 1)]}
    assert compare_tables(live, live) == []
    assert compare_tables(live, {**live, "product_prices": []})[0].startswith("read model table product_prices")
