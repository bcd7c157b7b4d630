"""A request sent with an Idempotency-Key whose answer was never stored (the process died between
committing the command and storing the answer, or the store of answers failed): a retry still
gets the first request's answer, rendered again from the events, and adds no event.

The store of answers is made to drop answers by a trigger on its table in the read-model
database (SQLite or PostgreSQL), which fails each insert as a duplicate key would; the server
goes on as if another retry had stored the answer first. Each retry then waits out the time a
first request still in flight is given to store its answer (5 s). Renamed away, the table makes
the store of answers fail outright.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import psycopg
import pytest

from tests.e2e.catalog import create_product, event_types
from tests.e2e.conftest import fresh_postgres_database, store_environment
from tests.e2e.server import Client, ok, problem, running_server, unique

SQLITE_REFUSAL = ("CREATE TRIGGER drop_answers BEFORE INSERT ON command_responses "
                  "BEGIN SELECT RAISE(ABORT, 'answers are dropped'); END")
POSTGRES_REFUSAL = """
CREATE FUNCTION drop_answers() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'answers are dropped' USING ERRCODE = 'unique_violation'; END $$;
CREATE TRIGGER drop_answers BEFORE INSERT ON command_responses FOR EACH ROW EXECUTE FUNCTION drop_answers();
"""


# the stores' part (finding the first request's events, storing the answer again) is the same
# for every command: the create runs on every set-up, the other retries once (each waits 5 s)
ON_SQLITE_ONLY = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


class Server:
    def __init__(self, base: str, data_dir: Path, postgres_url: str | None) -> None:
        self.base, self.data_dir, self.postgres_url = base, data_dir, postgres_url

    def dropping_answers(self) -> AbstractContextManager[None]:
        if self.postgres_url is None:
            return self._altered(SQLITE_REFUSAL, "DROP TRIGGER drop_answers")
        return self._altered(POSTGRES_REFUSAL, "DROP TRIGGER drop_answers ON command_responses; "
                                               "DROP FUNCTION drop_answers()")

    def without_answers(self) -> AbstractContextManager[None]:
        """The store of answers gone: its table renamed away, then back."""
        return self._altered("ALTER TABLE command_responses RENAME TO hidden_responses",
                             "ALTER TABLE hidden_responses RENAME TO command_responses")

    @contextmanager
    def _altered(self, change: str, undo: str) -> Iterator[None]:
        """The read-model database changed for the block, and undone whatever the block met:
        the tests of a module share the server."""
        self._run(change)
        try:
            yield
        finally:
            self._run(undo)

    def _run(self, statements: str) -> None:
        if self.postgres_url is None:
            database = sqlite3.connect(self.data_dir / "read_models.db", isolation_level=None)
            try:
                database.execute(statements)
            finally:
                database.close()
            return
        with psycopg.connect(self.postgres_url.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as connection:
            connection.execute(statements)


@pytest.fixture(scope="module", params=["sqlite", "dynamodb", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp(f"lost-answers-{request.param}")
    postgres: AbstractContextManager[str | None] = (
        fresh_postgres_database() if request.param == "postgresql" else nullcontext())
    with postgres as postgres_url:
        environment = store_environment(request.param, request)
        if postgres_url is not None:
            environment["PRODUCT_SERVICE_READ_MODEL_URL"] = postgres_url
        with running_server(data_dir, environment) as base:
            yield Server(base, data_dir, postgres_url)


def test_a_retried_create_whose_answer_was_lost_gets_it_and_creates_nothing_more(server: Server):
    admin, key, sku = Client(server.base, "lost-answers"), {"Idempotency-Key": unique("key")}, unique("sku")
    with server.dropping_answers():
        first = admin.post("/products", {"sku": sku, "name": "Boot"}, headers=key)
    created = ok(first, 201)

    retried = admin.post("/products", {"sku": sku, "name": "Boot"}, headers=key)

    assert (ok(retried, 201)["id"], retried.headers["Location"]) == (created["id"], first.headers["Location"])
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert event_types(ok(admin.get(f"/products/{created['id']}/history"))) == ["ProductCreated"]
    again = admin.post("/products", {"sku": sku, "name": "Boot"}, headers=key)  # the answer is stored now
    assert ok(again, 201)["id"] == created["id"] and again.headers["Idempotent-Replayed"] == "true"


@ON_SQLITE_ONLY
def test_a_retried_price_change_whose_answer_was_lost_is_not_made_again_after_a_later_one(server: Server):
    admin, key = Client(server.base, "lost-answers"), {"Idempotency-Key": unique("key")}
    product = create_product(admin, "Priced", price="1.00")
    path = f"/products/{product['id']}/price"
    with server.dropping_answers():
        ok(admin.put(path, {"amount": "2.50", "currency": "EUR"}, headers=key))
    ok(admin.put(path, {"amount": "3.00", "currency": "EUR"}))

    retried = admin.put(path, {"amount": "2.50", "currency": "EUR"}, headers=key)

    assert ok(retried)["prices"] and retried.headers["Idempotent-Replayed"] == "true"
    prices = [item for item in ok(admin.get(f"/products/{product['id']}/history"))["items"]
              if item["aggregateType"] == "price"]
    assert [item["eventData"]["amount"] for item in prices] == ["1.00", "2.50", "3.00"]


@ON_SQLITE_ONLY
def test_a_key_whose_answer_was_lost_is_still_refused_for_a_different_request(server: Server):
    admin, key = Client(server.base, "lost-answers"), {"Idempotency-Key": unique("key")}
    with server.dropping_answers():
        ok(admin.post("/products", {"sku": unique("one"), "name": "One"}, headers=key), 201)
    other = unique("two")
    problem(admin.post("/products", {"sku": other, "name": "Two"}, headers=key), 422)
    assert ok(admin.get(f"/products?q={other}"))["items"] == []


def test_keyed_commands_are_refused_with_503_while_the_store_of_answers_is_down_and_change_nothing(server: Server):
    admin, key, sku = Client(server.base, "lost-answers"), {"Idempotency-Key": unique("key")}, unique("sku")
    with server.without_answers():
        problem(admin.post("/products", {"sku": sku, "name": "Boot"}, headers=key), 503)
    assert ok(admin.get(f"/products?q={sku}"))["items"] == []

    created = admin.post("/products", {"sku": sku, "name": "Boot"}, headers=key)

    assert ok(created, 201)["sku"] == sku.upper() and "Idempotent-Replayed" not in created.headers
