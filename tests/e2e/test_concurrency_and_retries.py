"""Concurrent writers, conditional writes and retried requests, as clients on a real network see them."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.e2e.catalog import create_product, event_types, list_all
from tests.e2e.server import Client, ok, problem, unique


def at_once(count: int, request: Callable[[int], requests.Response]) -> list[requests.Response]:
    """Runs `count` requests from as many threads, released together by a barrier."""
    barrier = threading.Barrier(count)

    def go(index: int) -> requests.Response:
        barrier.wait(timeout=10)
        return request(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(go, range(count)))


def clients(server: str, count: int, roles: tuple[str, ...] = ("admin",)) -> list[Client]:
    return [Client(server, f"writer-{index}", roles) for index in range(count)]


def test_of_two_writers_with_the_same_if_match_exactly_one_wins(server: str, admin: Client):
    for _ in range(3):  # the race is real each time: three rounds make a lucky pass unlikely
        two_writers_race(server, admin)


def two_writers_race(server: str, admin: Client) -> None:
    product = create_product(admin, "Contested")
    writers = clients(server, 2)
    answers = at_once(2, lambda i: writers[i].patch(f"/products/{product['id']}", {"name": f"Name {i}"},
                                                    headers={"If-Match": '"1"'}))

    assert sorted(answer.status_code for answer in answers) == [200, 412]
    winner = next(answer for answer in answers if answer.status_code == 200)
    problem(next(answer for answer in answers if answer.status_code == 412), 412)
    history = ok(admin.get(f"/products/{product['id']}/history"))
    assert event_types(history) == ["ProductCreated", "ProductDetailsUpdated"]
    assert ok(admin.get(f"/products/{product['id']}"))["name"] == winner.json()["name"]


def test_concurrent_price_changes_without_if_match_all_succeed_with_gap_free_versions(server: str, admin: Client):
    product = create_product(admin, "Busy", price="1.00")
    writers = clients(server, 12, ("pricing",))
    answers = at_once(12, lambda i: writers[i].put(f"/products/{product['id']}/price",
                                                   {"amount": f"{i + 2}.00", "currency": "EUR"}))

    assert [answer.status_code for answer in answers] == [200] * 12, [a.text for a in answers if not a.ok]
    prices = [item for item in ok(admin.get(f"/products/{product['id']}/history"))["items"]
              if item["aggregateType"] == "price"]
    assert [item["sequenceNumber"] for item in prices] == list(range(1, 14))
    assert sorted(item["eventData"]["amount"] for item in prices[1:]) == sorted(f"{i + 2}.00" for i in range(12))
    final = ok(admin.get(f"/products/{product['id']}/price?currency=EUR"))
    assert final["base"] == prices[-1]["eventData"]["amount"]
    assert max(int(answer.headers["ETag"].strip('"')) for answer in answers) == 13


def test_a_retried_create_with_the_same_idempotency_key_is_answered_once(admin: Client):
    body = {"sku": unique("idem"), "name": "Retried"}
    key = {"Idempotency-Key": unique("key")}
    first, retry = admin.post("/products", body, headers=key), admin.post("/products", body, headers=key)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json() and retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Location"] == first.headers["Location"] == f"/api/v1/products/{first.json()['id']}"
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert [item["id"] for item in list_all(admin, f"q={body['sku']}")] == [first.json()["id"]]
    assert event_types(ok(admin.get(f"/products/{first.json()['id']}/history"))) == ["ProductCreated"]


def test_concurrent_retries_with_one_idempotency_key_create_one_product(server: str, admin: Client):
    for _ in range(3):
        retries_race(server, admin)


def retries_race(server: str, admin: Client) -> None:
    body, key = {"sku": unique("twin"), "name": "Twice sent"}, unique("key")
    # keys are per user: one user sends the same request on four connections at once
    senders = [Client(server, "retrying-user", ("admin",)) for _ in range(4)]
    answers = at_once(4, lambda i: senders[i].post("/products", body, headers={"Idempotency-Key": key}))

    assert [answer.status_code for answer in answers] == [201] * 4, [answer.text for answer in answers]
    assert len({answer.text for answer in answers}) == 1
    assert len({answer.headers["Location"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 3
    assert [item["id"] for item in list_all(admin, f"q={body['sku']}")] == [answers[0].json()["id"]]
    assert event_types(ok(admin.get(f"/products/{answers[0].json()['id']}/history"))) == ["ProductCreated"]


def test_concurrent_retries_of_a_conditional_write_get_the_first_answer(server: str, admin: Client):
    product = create_product(admin, "Conditional")
    headers = {"If-Match": '"1"', "Idempotency-Key": unique("key")}
    senders = [Client(server, "retrying-user", ("admin",)) for _ in range(3)]
    answers = at_once(3, lambda i: senders[i].patch(f"/products/{product['id']}", {"name": "Renamed"},
                                                    headers=headers))

    assert [answer.status_code for answer in answers] == [200] * 3, [answer.text for answer in answers]
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 2
    assert event_types(ok(admin.get(f"/products/{product['id']}/history"))) == ["ProductCreated",
                                                                               "ProductDetailsUpdated"]


def test_an_idempotency_key_reused_for_another_request_is_refused(admin: Client):
    key = {"Idempotency-Key": unique("key")}
    product = ok(admin.post("/products", {"sku": unique("one"), "name": "One"}, headers=key), 201)
    other_sku = unique("two")
    problem(admin.post("/products", {"sku": other_sku, "name": "Two"}, headers=key), 422)
    problem(admin.patch(f"/products/{product['id']}", {"name": "Changed"}, headers=key), 422)
    assert list_all(admin, f"q={other_sku}") == []
    assert ok(admin.get(f"/products/{product['id']}"))["name"] == "One"


def test_idempotency_keys_are_kept_per_user(server: str):
    key = {"Idempotency-Key": unique("shared-key")}
    alice, bob = Client(server, unique("alice"), ("editor",)), Client(server, unique("bob"), ("editor",))
    mine = ok(alice.post("/products", {"sku": unique("a"), "name": "Alice's"}, headers=key), 201)
    theirs = bob.post("/products", {"sku": unique("b"), "name": "Bob's"}, headers=key)
    assert ok(theirs, 201)["id"] != mine["id"] and "Idempotent-Replayed" not in theirs.headers


def test_a_read_after_a_successful_write_sees_the_write(admin: Client):
    word = unique("fresh")
    product = create_product(admin, f"{word} before")
    for round_ in range(5):
        name = f"{word} after {round_}"
        version = ok(admin.patch(f"/products/{product['id']}", {"name": name}))["version"]
        shown: dict[str, Any] = ok(admin.get(f"/products/{product['id']}"))
        assert (shown["name"], shown["version"]) == (name, version)
        assert [item["name"] for item in list_all(admin, f"q={word}")] == [name]
    ok(admin.put(f"/products/{product['id']}/price", {"amount": "7.00", "currency": "EUR"}))
    assert ok(admin.get(f"/products/{product['id']}"))["prices"]["EUR"]["base"] == "7.00"
    assert [p["id"] for p in list_all(admin, f"q={word}&minPrice=7&maxPrice=7&currency=EUR")] == [product["id"]]
