"""`product-service consume` as a process: stopped gracefully, and killed mid-batch."""

import signal
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.amqp_scenarios import CommandClient, new_id, service_container, start_service, wait_for
from tests.rabbitmq_broker import channel_to, consumer_count, delete_queues, fresh_vhost, message_count

pytestmark = pytest.mark.slow
QUEUES = ("product.commands", "product.commands.dead")


@pytest.fixture(scope="module")
def vhost_url() -> Iterator[str]:
    with fresh_vhost() as url:
        yield url


@pytest.fixture
def url(vhost_url: str) -> Iterator[str]:
    yield vhost_url
    delete_queues(vhost_url, *QUEUES)


def send_creates(client: CommandClient, count: int) -> dict[str, str]:
    """Sends CreateProduct commands; their commandIds by correlation id."""
    sent = {}
    for number in range(count):
        command_id = new_id()
        sent[client.send("CreateProduct", {"sku": f"SKU-{number}", "name": f"Product {number}"},
                         command_id=command_id)] = command_id
    return sent


def test_sigterm_finishes_the_command_in_hand_and_leaves_the_rest_queued(tmp_path, url):
    container = service_container(tmp_path, url)
    process = start_service(tmp_path, url, "consume")
    wait_for(lambda: consumer_count(url, "product.commands") == 1)
    with channel_to(url) as channel:
        client = CommandClient(channel, "product.commands")
        send_creates(client, 300)
        client.wait_for(20)

        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=15)
        answered = len(client.wait_for(300, timeout_s=1.0))
        queued = message_count(channel, "product.commands")

    assert exit_code == 0
    assert "consumer stopped" in (tmp_path / "consume.log").read_text()
    assert answered < 300 and answered + queued == 300
    assert len(container.event_store().read_feed(0, 0, 1000)) == answered


def test_a_consumer_killed_mid_batch_loses_no_command_and_duplicates_no_event(tmp_path, url):
    container = service_container(tmp_path, url)
    first = start_service(tmp_path, url, "consume")
    wait_for(lambda: consumer_count(url, "product.commands") == 1)
    with channel_to(url) as channel:
        client = CommandClient(channel, "product.commands")
        sent = send_creates(client, 300)
        client.wait_for(50)

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=15)
        answered_before_the_kill = len(client.wait_for(300, timeout_s=0.5))
        second = start_service(tmp_path, url, "consume", log_name="second")
        replies = client.wait_for_all(sent, timeout_s=60)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=15) == 0
        client.wait_for(len(sent) + 16, timeout_s=0.3)  # a redelivered command may have been answered twice
        dead = message_count(channel, "product.commands.dead")

    assert answered_before_the_kill < 300
    assert all(len(set(map(str, answers))) == 1 for answers in replies.values())  # a second reply repeats the first
    assert all(answers[0]["status"] == "accepted" for answers in replies.values())
    events = container.event_store().read_feed(0, 0, 1000)
    causes = Counter(event.causation_id for event in events)
    assert set(causes) == set(sent.values()) and set(causes.values()) == {1}
    assert dead == 0
