"""The soak's commands: scripts of steps over entities each script owns, sent over HTTP or AMQP.

Every step says what it is meant to do: append a known number of events, or be refused. A
script owns its products and categories (nothing else changes them), and its steps run one
after the other (the next is sent only once the previous has its outcome), so the intended
outcome of every step is certain whatever else runs meanwhile and whatever faults strike.
The shared categories are roots that no script moves, and each holds an anchor product, so
deleting one is always refused.

An outcome is keyed by what ties a command to its events: the `X-Correlation-ID` an HTTP
request sends (its events' correlation id), or an AMQP command's `commandId` (its events'
causation id).
"""

import itertools
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pika
import requests

from domain.pricing import pricing_id
from tests.e2e.server import Client
from tests.rabbitmq_broker import USER

REFUSED = -1  # a step's `events` when it is meant to be refused
HTTP_KEY_PREFIX = "soak-http-"
AMQP_KEY_PREFIX = "soak-amqp-"
HTTP_REFUSALS = {400, 404, 409, 412, 422}


@dataclass(frozen=True)
class Step:
    """One command in both its forms: the AMQP command, and the HTTP request that is the same."""

    command_type: str
    payload: dict[str, Any]
    method: str
    path: str
    body: dict[str, Any] | None
    stream: str  # the stream whose version the outcome reports
    events: int  # how many events it appends when accepted, or REFUSED
    if_match: int | None = None


@dataclass
class Outcome:
    """What the client saw of one command (after any re-sends)."""

    step: Step
    transport: str  # "http" or "amqp"
    key: str
    status: str = "none"  # accepted | rejected | error | none (no definitive answer)
    entity_id: str | None = None
    version: int | None = None
    detail: str = ""
    sends: int = 0
    replies: list[dict[str, Any]] = field(default_factory=list)


class Outcomes:
    """Every command's outcome, recorded by the drivers' threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            self.items.append(outcome)

    def sent(self) -> int:
        with self._lock:
            return len(self.items)


# --- the steps ---------------------------------------------------------------------------------

def new_id() -> str:
    return str(uuid.uuid4())


def create_product(product_id: str, sku: str, name: str, category_ids: list[str], events: int = 1) -> Step:
    body = {"id": product_id, "sku": sku, "name": name, "categoryIds": category_ids}
    return Step("CreateProduct", body, "POST", "/products", body, product_id, events)


def update_product(product_id: str, expected_version: int | None = None, events: int = 1, **changes: Any) -> Step:
    payload = {"productId": product_id, **changes}
    if expected_version is not None:
        payload["expectedVersion"] = expected_version
    return Step("UpdateProduct", payload, "PATCH", f"/products/{product_id}", changes, product_id, events,
                expected_version)


def set_price(product_id: str, amount: str, events: int = 1, currency: str = "EUR") -> Step:
    body = {"amount": amount, "currency": currency}
    return Step("SetPrice", {"productId": product_id, **body}, "PUT", f"/products/{product_id}/price", body,
                pricing_id(product_id), events)


def add_discount(product_id: str, discount_id: str, value: str = "10", events: int = 1) -> Step:
    body = {"id": discount_id, "kind": "percentage", "value": value}
    return Step("AddDiscount", {"productId": product_id, **body}, "POST", f"/products/{product_id}/discounts", body,
                pricing_id(product_id), events)


def remove_discount(product_id: str, discount_id: str, events: int = 1) -> Step:
    return Step("RemoveDiscount", {"productId": product_id, "discountId": discount_id}, "DELETE",
                f"/products/{product_id}/discounts/{discount_id}", None, pricing_id(product_id), events)


LIFECYCLE = {"ActivateProduct": ("POST", "/activate"), "DeactivateProduct": ("POST", "/deactivate"),
             "DiscontinueProduct": ("POST", "/discontinue"), "DeleteProduct": ("DELETE", "")}


def lifecycle(command_type: str, product_id: str, events: int = 1) -> Step:
    method, suffix = LIFECYCLE[command_type]
    return Step(command_type, {"productId": product_id}, method, f"/products/{product_id}{suffix}", None,
                product_id, events)


def add_to_category(product_id: str, category_id: str, events: int = 1) -> Step:
    return Step("AddProductToCategory", {"productId": product_id, "categoryId": category_id}, "PUT",
                f"/products/{product_id}/categories/{category_id}", None, product_id, events)


def create_category(category_id: str, name: str, parent_id: str | None = None, events: int = 1) -> Step:
    body = {"id": category_id, "name": name, "parentId": parent_id}
    return Step("CreateCategory", body, "POST", "/categories", body, category_id, events)


def move_category(category_id: str, parent_id: str | None, events: int = 1) -> Step:
    return Step("MoveCategory", {"categoryId": category_id, "parentId": parent_id}, "POST",
                f"/categories/{category_id}/move", {"parentId": parent_id}, category_id, events)


def rename_category(category_id: str, name: str, events: int = 1) -> Step:
    return Step("ReviseCategory", {"categoryId": category_id, "name": name}, "PATCH", f"/categories/{category_id}",
                {"name": name}, category_id, events)


def delete_category(category_id: str, events: int = 1) -> Step:
    return Step("DeleteCategory", {"categoryId": category_id}, "DELETE", f"/categories/{category_id}", None,
                category_id, events)


def invalid_price(product_id: str) -> Step:
    """Refused by validation (HTTP 422); over AMQP it would be dead-lettered, so HTTP only."""
    body = {"amount": "-5.00", "currency": "EUR"}
    return Step("SetPrice", {"productId": product_id, **body}, "PUT", f"/products/{product_id}/price", body,
                pricing_id(product_id), REFUSED)


# --- the scripts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shared:
    """Root categories every script may use; each holds an anchor product."""

    categories: tuple[str, str]


def setup_scripts(run: str) -> tuple[list[Step], list[Step], Shared]:
    """The shared categories and their anchors: one made over HTTP, one over AMQP."""
    first, second = new_id(), new_id()
    http = [create_category(first, f"Soak {run} shared A"),
            create_product(new_id(), f"SOAK-{run}-ANCHOR-A", "Anchor A", [first])]
    amqp = [create_category(second, f"Soak {run} shared B"),
            create_product(new_id(), f"SOAK-{run}-ANCHOR-B", "Anchor B", [second])]
    return http, amqp, Shared((first, second))


def product_script(run: str, n: int, shared: Shared, transport: str) -> list[Step]:
    """A product's life, with refusals on the way (duplicate SKU, activation without a price,
    a stale expected version, an unknown discount, a price change after discontinuation)."""
    product, discount = new_id(), f"spring-{n}"
    home, other = shared.categories[n % 2], shared.categories[(n + 1) % 2]
    sku = f"SOAK-{run}-{n}"
    steps = [create_product(product, sku, f"Soak product {n}", [home])]
    if n % 3 == 0:
        steps.append(create_product(new_id(), sku, "Same SKU", [home], events=REFUSED))
    steps.append(lifecycle("ActivateProduct", product, events=REFUSED))
    if transport == "http" and n % 2 == 0:
        steps.append(invalid_price(product))
    steps += [
        set_price(product, f"{10 + n % 90}.00"),
        update_product(product, name=f"Soak product {n}, renamed"),
        update_product(product, expected_version=1, name="Too late", events=REFUSED),
        add_discount(product, discount),
        set_price(product, f"{10 + n % 90}.50"),
        lifecycle("ActivateProduct", product),
        add_to_category(product, other),
        remove_discount(product, discount),
        remove_discount(product, "no-such-discount", events=REFUSED),
        update_product(product, attributes={"size": n, "colour": "red"}),
    ]
    ending = n % 4
    if ending == 0:
        steps += [lifecycle("DiscontinueProduct", product), set_price(product, "1.00", events=REFUSED),
                  lifecycle("DeleteProduct", product)]
    elif ending == 1:
        steps.append(lifecycle("DeactivateProduct", product))
    elif ending == 2:
        steps += [lifecycle("DeleteProduct", product), update_product(product, name="Gone", events=REFUSED)]
    return steps


def category_script(run: str, n: int, shared: Shared) -> list[Step]:
    """Two categories of its own: created, nested, a move that would make a cycle, renamed, one
    deleted; and an attempt to delete a shared category that still has products."""
    outer, inner = new_id(), new_id()
    return [
        create_category(outer, f"Soak {run} {n} outer"),
        create_category(inner, f"Soak {run} {n} inner", parent_id=shared.categories[n % 2]),
        move_category(inner, outer),
        move_category(outer, inner, events=REFUSED),
        rename_category(outer, f"Soak {run} {n} outer, renamed"),
        delete_category(shared.categories[n % 2], events=REFUSED),
        delete_category(inner),
        move_category(outer, shared.categories[(n + 1) % 2]),
    ]


class Scripts:
    """Hands out scripts to the drivers: one category script in every four."""

    def __init__(self, run: str, shared: Shared) -> None:
        self.run = run
        self.shared = shared
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def next(self, transport: str) -> list[Step]:
        with self._lock:
            n = next(self._numbers)
        if n % 4 == 3:
            return category_script(self.run, n, self.shared)
        return product_script(self.run, n, self.shared, transport)


# --- HTTP --------------------------------------------------------------------------------------

def run_http_step(client: Client, step: Step, attempts: int = 3) -> Outcome:
    """Sends the request (again, with the same Idempotency-Key, after a connection failure)."""
    key = f"{HTTP_KEY_PREFIX}{new_id()}"
    outcome = Outcome(step, "http", key)
    headers = {"X-Correlation-ID": key, "Idempotency-Key": key}
    if step.if_match is not None:
        headers["If-Match"] = f'"{step.if_match}"'
    for _ in range(attempts):
        outcome.sends += 1
        try:
            response = client.request(step.method, step.path, json=step.body, headers=headers)
        except requests.RequestException as error:
            outcome.status, outcome.detail = "none", repr(error)
            time.sleep(0.5)
            continue
        if 200 <= response.status_code < 300:
            etag = response.headers.get("ETag", "").removeprefix("W/").strip('"')
            outcome.status, outcome.entity_id = "accepted", step.stream
            outcome.version = int(etag) if etag.isdigit() else None
        elif response.status_code in HTTP_REFUSALS:
            outcome.status, outcome.detail = "rejected", f"{response.status_code} {response.text[:200]}"
        else:
            outcome.status, outcome.detail = "error", f"{response.status_code} {response.text[:500]}"
        break
    return outcome


def http_worker(client: Client, scripts: Iterator[list[Step]], outcomes: Outcomes, stop: threading.Event) -> None:
    """Runs scripts one after the other until `stop` (the script in hand is left unfinished)."""
    for script in scripts:
        for step in script:
            if stop.is_set():
                return
            outcomes.add(run_http_step(client, step))


# --- AMQP --------------------------------------------------------------------------------------

@dataclass
class _InFlight:
    outcome: Outcome
    rest: Iterator[Step]
    resend_at: float
    wait_s: float


class AmqpDriver:
    """Sends command messages straight to the broker and collects the replies. Keeps `in_flight`
    scripts going, at most `rate` sends a second; the next step of a script goes once the
    previous one has its reply. A command without a reply after `resend_after_s`, or when the
    consumer was killed (`resend_unanswered`), is sent again with the same commandId (the waits
    double), as the at-least-once contract expects."""

    def __init__(self, url: str, queue: str, outcomes: Outcomes, in_flight: int = 6, rate: float = 10.0,
                 resend_after_s: float = 4.0) -> None:
        self.url = url
        self.queue = queue
        self.outcomes = outcomes
        self.in_flight = in_flight
        self.rate = rate
        self.resend_after_s = resend_after_s
        self.resends = 0
        self.late_replies = 0  # replies to commands answered before (a re-send's, or a redelivery's)
        self._resend_now = threading.Event()
        self._by_correlation: dict[str, Outcome] = {}
        self._next_send = 0.0

    def run(self, scripts: Iterator[list[Step]], stop: threading.Event, finish_timeout_s: float = 90.0) -> None:
        """Until `stop` (or the scripts run out), then until every command sent has its outcome
        (or the timeout: the rest stay without one)."""
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            reply_queue = channel.queue_declare("", exclusive=True).method.queue
            channel.basic_consume(reply_queue, self._on_reply, auto_ack=True)
            running: list[_InFlight] = []
            exhausted, deadline = False, None
            while True:
                while not stop.is_set() and not exhausted and len(running) < self.in_flight:
                    script = next(scripts, None)
                    if script is None:
                        exhausted = True
                        break
                    steps = iter(script)
                    first = next(steps, None)
                    if first is not None:
                        running.append(self._start(channel, reply_queue, first, steps))
                connection.process_data_events(time_limit=0.05)
                running = self._advance(channel, reply_queue, running, stop)
                if not running and (stop.is_set() or exhausted):
                    break
                if stop.is_set() or exhausted:
                    deadline = deadline or time.monotonic() + finish_timeout_s
                    if time.monotonic() > deadline:
                        break
            connection.process_data_events(time_limit=0.5)  # late duplicate replies, to compare them
        finally:
            if connection.is_open:
                connection.close()

    def resend_unanswered(self) -> None:
        """Asks (from another thread) for every command still without a reply to be sent again
        now: the consumer that held them was killed."""
        self._resend_now.set()

    def _start(self, channel: Any, reply_queue: str, step: Step, rest: Iterator[Step]) -> _InFlight:
        outcome = Outcome(step, "amqp", f"{AMQP_KEY_PREFIX}{new_id()}")
        self.outcomes.add(outcome)
        self._send(channel, reply_queue, outcome)
        return _InFlight(outcome, rest, time.monotonic() + self.resend_after_s, self.resend_after_s)

    def _send(self, channel: Any, reply_queue: str, outcome: Outcome) -> None:
        now = time.monotonic()
        if self._next_send > now:
            time.sleep(self._next_send - now)
        self._next_send = max(now, self._next_send) + 1.0 / self.rate
        correlation_id = new_id()
        self._by_correlation[correlation_id] = outcome
        body = orjson.dumps({"commandType": outcome.step.command_type, "commandId": outcome.key,
                             "payload": outcome.step.payload})
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2, user_id=USER,
                                          reply_to=reply_queue, correlation_id=correlation_id)
        channel.basic_publish("", self.queue, body, properties)
        outcome.sends += 1

    def _on_reply(self, channel: Any, method: Any, properties: Any, body: bytes) -> None:
        outcome = self._by_correlation.get(properties.correlation_id)
        if outcome is None:
            return
        reply = orjson.loads(body)
        outcome.replies.append(reply)
        if outcome.status != "none":
            self.late_replies += 1
            return
        outcome.status = reply.get("status", "error")
        outcome.entity_id, outcome.version = reply.get("entityId"), reply.get("version")
        outcome.detail = orjson.dumps(reply.get("error")).decode() if reply.get("error") else ""

    def _advance(self, channel: Any, reply_queue: str, running: list[_InFlight],
                 stop: threading.Event) -> list[_InFlight]:
        still: list[_InFlight] = []
        now = time.monotonic()
        if self._resend_now.is_set():
            self._resend_now.clear()
            for item in running:
                item.resend_at = now
        for item in running:
            if item.outcome.status != "none":
                step = None if stop.is_set() else next(item.rest, None)
                if step is not None:
                    still.append(self._start(channel, reply_queue, step, item.rest))
                continue
            if now >= item.resend_at:
                self._send(channel, reply_queue, item.outcome)
                self.resends += 1
                item.wait_s = min(item.wait_s * 2, 20.0)
                item.resend_at = time.monotonic() + item.wait_s
            still.append(item)
        return still


def endless(scripts: Scripts, transport: str) -> Iterator[list[Step]]:
    while True:
        yield scripts.next(transport)


def limited(source: Iterator[list[Step]], outcomes: Outcomes, budget: int | None) -> Iterator[list[Step]]:
    """The scripts of `source` until `budget` commands have been sent (None: no limit)."""
    for script in source:
        if budget is not None and outcomes.sent() >= budget:
            return
        yield script


def http_session(base: str) -> Client:
    return Client(base, "soak-admin", ("admin",))


def amqp_reply_bodies_agree(outcome: Outcome) -> bool:
    """The same commandId answered more than once: every answer the same."""
    return all(reply == outcome.replies[0] for reply in outcome.replies[1:])

