"""The service on RabbitMQ, black box: the HTTP server (relaying its outbox in-process), the
command consumer and the projection runner as processes; commands go in as messages, events
come out on `product.events`, and the result is read over HTTP."""

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.amqp_scenarios import CommandClient, new_id, run_service, start_service, wait_for
from tests.e2e.conftest import store_environment
from tests.e2e.server import Client, running_server
from tests.rabbitmq_broker import bind_listener, channel_to, consumer_count, drain, fresh_vhost

pytestmark = pytest.mark.slow


@pytest.fixture
def url() -> Iterator[str]:
    with fresh_vhost() as url:
        yield url


def eventually(client: Client, path: str, condition: Callable[[requests.Response], bool],
               timeout_s: float = 30.0) -> requests.Response:
    """The response to GET path once it meets the condition (or the last one, at the timeout)."""
    deadline = time.monotonic() + timeout_s
    while not condition(response := client.get(path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return response


def stop(process: "subprocess.Popen[str]") -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15)


@pytest.mark.parametrize("store", ["sqlite", "dynamodb"])
def test_commands_sent_as_messages_are_answered_published_and_readable_over_http(tmp_path: Path, url: str, store: str,
                                                                                request: pytest.FixtureRequest):
    stores = store_environment(store, request)
    assert run_service(tmp_path, url, "init", extra=stores).returncode == 0
    consumer = start_service(tmp_path, url, "consume", extra=stores)  # starting while the server starts
    projector = start_service(tmp_path, url, "project", extra=stores)
    with channel_to(url) as channel, running_server(tmp_path, {"PRODUCT_SERVICE_BROKER": "rabbitmq",
                                                              "AMQP_URL": url, **stores}) as base:
        downstream = bind_listener(channel, "product.events")
        wait_for(lambda: consumer_count(url, "product.commands") == consumer_count(url, "product.projections") == 1,
                 timeout_s=60)
        commands = CommandClient(channel, "product.commands")
        category_id, product_id = new_id(), new_id()

        category = commands.reply_to(commands.send("CreateCategory", {"id": category_id, "name": "Shoes"}))
        product = commands.reply_to(commands.send("CreateProduct", {
            "id": product_id, "sku": "BOOT-1", "name": "Boot", "categoryIds": [category_id]}))
        price = commands.reply_to(commands.send("SetPrice", {"productId": product_id, "amount": "89.00",
                                                             "currency": "EUR"}))
        http = Client(base)
        seen = eventually(http, f"/products/{product_id}", lambda r: r.status_code == 200 and bool(r.json()["prices"]))
        renamed = http.patch(f"/products/{product_id}", json={"name": "Trail boot"})
        read_back = http.get(f"/products/{product_id}")
        events = drain(channel, downstream, 4)
        exit_codes = stop(consumer), stop(projector)

    assert [category["status"], product["status"], price["status"]] == ["accepted"] * 3
    assert seen.status_code == 200, seen.text
    assert (seen.json()["name"], seen.json()["categoryIds"]) == ("Boot", [category_id])
    assert seen.json()["prices"]["EUR"]["base"] == "89.00"
    assert renamed.status_code == 200 and read_back.json()["name"] == "Trail boot"  # the server reads its own write
    assert [e.routing_key for e in events] == ["category.created", "product.created", "price.set",
                                               "product.details_updated"]
    assert all(e.properties.message_id == e.json["eventId"] for e in events)
    assert [e.json["userId"] for e in events] == ["guest", "guest", "guest", "alice"]
    assert exit_codes == (0, 0)


def test_a_client_reads_its_own_amqp_write_by_waiting_for_the_version_it_was_answered(tmp_path: Path, url: str):
    assert run_service(tmp_path, url, "init").returncode == 0
    consumer = start_service(tmp_path, url, "consume")
    with channel_to(url) as channel, running_server(tmp_path, {"PRODUCT_SERVICE_BROKER": "rabbitmq",
                                                              "AMQP_URL": url}) as base:
        wait_for(lambda: consumer_count(url, "product.commands") == 1, timeout_s=60)
        commands = CommandClient(channel, "product.commands")
        product_id = new_id()
        reply = commands.reply_to(commands.send("CreateProduct", {"id": product_id, "sku": "RYW-1", "name": "Boot"}))
        http = Client(base)
        not_projected_yet = http.get(f"/products/{product_id}")
        behind = http.get(f"/products/{product_id}?minVersion={reply['version']}&maxWaitMs=300")

        def read_own_write() -> tuple[requests.Response, float]:
            started = time.monotonic()
            response = http.get(f"/products/{product_id}?minVersion={reply['version']}&maxWaitMs=10000")
            return response, time.monotonic() - started

        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(read_own_write)
            time.sleep(1.0)  # the views are kept by the projection runner, which only starts now
            projector = start_service(tmp_path, url, "project")
            response, waited = waiting.result(timeout=30)
        exit_codes = stop(consumer), stop(projector)

    assert (reply["status"], reply["version"]) == ("accepted", 1)
    assert not_projected_yet.status_code == 404
    assert behind.status_code == 503 and behind.headers["Retry-After"] == "1"
    assert "not yet version 1" in behind.json()["detail"]
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["version"]) == ("Boot", 1)
    assert waited >= 1.0
    assert exit_codes == (0, 0)
