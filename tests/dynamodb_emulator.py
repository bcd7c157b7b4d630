"""moto as a DynamoDB for tests: in-process, or as a server that handles one request at a time.

Why one request at a time. moto applies a TransactWriteItems action by action and, when one
fails, puts back copies of whole tables taken when the transaction began: a failed transaction
in one thread undoes what other threads wrote meanwhile. Its conditional writes are not atomic
under threads either (condition read, then write). DynamoDB has neither problem. So requests
reach moto one at a time: in-process through a lock around the client (`SerialisedClient`),
over HTTP behind a server that takes a lock per request (`python -m tests.dynamodb_emulator`).
Concurrent writers still interleave their requests freely — what the contract's concurrency
tests exercise — they just cannot interleave inside moto.

Why `faster_moto`. Some of moto's costs grow with the tables and the answers, and made the
contract's 1,600-append concurrency test take minutes: every TransactWriteItems deep-copies every
table it touches (to put them back if cancelled); every Query sorts the whole table before
keeping the partition asked for, then reckons the size of every item of the partition, attribute
by attribute, even those its key condition then drops; and every answer is serialised by walking
the operation's output shape attribute by attribute. `faster_moto` (1) makes a cancelled
transaction restore only the items it touched — equivalent while requests are serialised;
(2) hands a table Query only the items of its partition that meet its key condition, which moto
then checks again; (3) remembers an item's size for as long as its attribute names, types and
(immutable string) values are the ones it was computed from; (4) sends an item-bearing answer
out as the JSON it already is. moto still evaluates every condition, key and expression itself,
and tests/contract/test_dynamodb_emulator.py shows it answers every request as before.
`MOTO_AS_IS=1` turns all of it off: every other DynamoDB test passes that way too, in a few
minutes; the 1,600-append test then takes many minutes and gigabytes of memory.
"""

import argparse
import copy
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"


def moto_session() -> boto3.session.Session:
    """A session with made-up credentials: moto accepts any, and no real ones are ever needed."""
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


class SerialisedClient:
    """A boto3 client whose calls run one at a time (see the module docstring for why)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name == "get_waiter":
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


@contextmanager
def faster_moto() -> Iterator[None]:
    """While active, moto's DynamoDB does the same with less work (see the module docstring)."""
    if os.environ.get("MOTO_AS_IS"):
        yield
        return
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoResult

    transact, query, size = models.DynamoDBBackend.transact_write_items, Table.query, Item.size
    serialise = DynamoResult.execute_result
    models.DynamoDBBackend.transact_write_items = _with_item_rollback(transact)  # type: ignore[method-assign]
    models.copy = _TablesByReference  # type: ignore[assignment]
    Table.query = _one_partition(query)  # type: ignore[method-assign]
    Item.size = _remembered(size)  # type: ignore[method-assign]
    DynamoResult.execute_result = _as_json(serialise)  # type: ignore[method-assign]
    try:
        yield
    finally:
        models.DynamoDBBackend.transact_write_items = transact  # type: ignore[method-assign]
        models.copy = copy
        Table.query = query  # type: ignore[method-assign]
        Item.size = size  # type: ignore[method-assign]
        DynamoResult.execute_result = serialise  # type: ignore[method-assign]


def _one_partition(query: Callable[..., Any]) -> Callable[..., Any]:
    """A table Query (no index) looks only at the partition of its hash key (moto then keeps the
    items with that hash key and sorts them by range key, as before)."""

    def query_one_partition(table: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None or not table.range_key_attr:
            return query(table, hash_key, *args, **kwargs)
        comparison, bounds = (args[0], args[1]) if len(args) > 1 else (None, [])
        partition = _in_range(list(table.items.get(hash_key, {}).values()), comparison, bounds)
        table.all_items = lambda: partition
        try:
            return query(table, hash_key, *args, **kwargs)
        finally:
            del table.all_items

    return query_one_partition


ITEM_RESULTS = frozenset({"GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan",
                          "PutItem", "UpdateItem", "DeleteItem"})


def _as_json(serialise: Callable[..., Any]) -> Callable[..., Any]:
    """An item-bearing result goes out as the JSON it already is: its items are DynamoDB JSON of
    strings, so walking the output shape attribute by attribute, as moto's serialiser does, only
    copies them. As that serialiser does, only the operation's output members, and none that is
    null, are kept. Anything else (binary values, timestamps, other operations) goes its usual way."""

    def execute_result(result: Any, context: Any) -> Any:
        operation = context.operation_model
        if operation.name not in ITEM_RESULTS or not isinstance(result.result, dict):
            return serialise(result, context)
        members = operation.output_shape.members
        try:
            body = json.dumps({key: value for key, value in result.result.items()
                               if key in members and value is not None})
        except TypeError:
            return serialise(result, context)
        content_type = f"application/x-amz-json-{operation.service_model.metadata.get('jsonVersion', '1.0')}"
        return operation.http.get("responseCode", 200), {"Content-Type": content_type}, body

    return execute_result


def _in_range(items: list[Any], comparison: str | None, bounds: list[Any]) -> list[Any]:
    """The items whose range key meets the query's key condition, compared as moto compares them
    (so moto's own check of each, which follows, keeps them all); the others would only have
    their sizes reckoned up on the way to being dropped."""
    from moto.dynamodb.comparisons import get_comparison_func

    compare = get_comparison_func(comparison) if comparison else None
    if compare is None:
        return items
    values = [bound.cast_value for bound in bounds]
    return [item for item in items if compare(item.range_key.cast_value, *values)]


def _remembered(size: Callable[[Any], int]) -> Callable[[Any], int]:
    def remembered_size(item: Any) -> int:
        signature = tuple((name, value.type, value.value) for name, value in item.attrs.items())
        memo = item.__dict__.get("_size_memo")
        if memo is not None and memo[0] == signature:
            return int(memo[1])
        computed = size(item)
        if all(isinstance(value, str) for _, _, value in signature):  # immutable: the memo cannot go stale
            item._size_memo = (signature, computed)
        return computed

    return remembered_size


class _TablesByReference:
    """Stands in for `copy` in moto's backend module: a table 'copies' as itself, so moto's
    whole-table undo does nothing; items and everything else are copied as before."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _with_item_rollback(transact: Callable[..., None]) -> Callable[..., None]:
    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = [(table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key)))
                 for table, hash_key, range_key in _touched(backend, transact_items)]
        try:
            transact(backend, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                _put_back(table, hash_key, range_key, item)
            raise

    return transact_write_items


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> Iterable[tuple[Any, Any, Any]]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    for entry in transact_items:
        for operation, request in entry.items():
            table = backend.tables.get(request.get("TableName"))
            key = request.get("Item" if operation == "Put" else "Key", {})
            if table is None or table.hash_key_attr not in key:
                continue
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            yield table, DynamoType(key[table.hash_key_attr]), range_key


def _put_back(table: Any, hash_key: Any, range_key: Any, item: Any) -> None:
    if item is None:
        table.delete_item(hash_key, range_key)
    elif range_key is None:
        table.items[hash_key] = item
    else:
        table.items[hash_key][range_key] = item


class OneRequestAtATime:
    """WSGI middleware: the whole request, response body included, under one lock."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


def main(argv: list[str] | None = None) -> None:
    """Serves moto's DynamoDB on host:port, one request at a time, made faster as described above."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with faster_moto():
        app = OneRequestAtATime(create_backend_app("dynamodb"))  # DynamoDB only: no per-request service lookup
        run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


@contextmanager
def moto_server(host: str = "127.0.0.1", startup_timeout_s: float = 30.0) -> Iterator[str]:
    """Starts the serialised moto server on a free port; yields its endpoint URL; stops it."""
    port = free_port(host)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "tests.dynamodb_emulator", "--host", host, "--port",
                                    str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_listening(process, host, port, startup_timeout_s, log)
            yield f"http://{host}:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], host: str, port: int, timeout_s: float,
                          log: Any) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the moto server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the moto server did not listen on {host}:{port} within {timeout_s} s")


if __name__ == "__main__":
    main()
