"""DynamoDB requests and capacity per command type and per aggregate load, counted by the store
itself (ReturnConsumedCapacity on every call) against a DynamoDB endpoint over HTTP (moto)."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from application.unit_of_work import CommandContext
from domain import commands
from domain.pricing import Pricing, pricing_id
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import Settings
from tests.dynamodb_emulator import moto_server

CONTEXT = CommandContext("bench", "bench-correlation", "bench-command")
Row = tuple[str, int, int, float, float]  # what, requests, write requests, read units, write units


def _measured(container: Container, what: str, action: Callable[[], object]) -> Row:
    usage = container.dynamodb_usage()
    before = usage.by_operation()
    action()
    after = usage.by_operation()
    deltas = {name: (u.requests - before.get(name, u.__class__()).requests,
                     u.read_units - before.get(name, u.__class__()).read_units,
                     u.write_units - before.get(name, u.__class__()).write_units) for name, u in after.items()}
    writes = sum(d[0] for name, d in deltas.items() if name in ("TransactWriteItems", "PutItem", "UpdateItem"))
    return (what, sum(d[0] for d in deltas.values()), writes, sum(d[1] for d in deltas.values()),
            sum(d[2] for d in deltas.values()))


def measure() -> list[Row]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    with moto_server() as endpoint, TemporaryDirectory() as directory:
        settings = Settings(event_store="dynamodb", dynamodb_endpoint_url=endpoint, data_dir=directory,
                            dynamodb_table=f"bench-{uuid.uuid4().hex[:8]}", aggregate_cache=0, snapshot_every=50)
        container = build_container(settings)
        init_stores(container)
        return _workload(container, Path(directory))


def _workload(container: Container, directory: Path) -> list[Row]:
    bus = container.bulk_message_bus()
    category, product = str(uuid.uuid4()), str(uuid.uuid4())

    def run(command: commands.Command) -> Callable[[], object]:
        return lambda: bus.handle(command, CONTEXT)

    rows = [
        _measured(container, "CreateCategory", run(commands.CreateCategory(category, "Bench"))),
        _measured(container, "CreateProduct", run(commands.CreateProduct(product, "BENCH-1", "Bench",
                                                                         category_ids=(category,)))),
        _measured(container, "SetPrice", run(commands.SetPrice(product, "10.00", "EUR"))),
        _measured(container, "AddDiscount", run(commands.AddDiscount(product, "d1", "percentage", "10"))),
        _measured(container, "ActivateProduct", run(commands.ActivateProduct(product))),
        _measured(container, "UpdateProduct", run(commands.UpdateProduct(product, name="Bench 2"))),
    ]
    for i in range(45):
        bus.handle(commands.SetPrice(product, f"{11 + i}.00", "EUR"), CONTEXT)
    repository = container.repository()
    rows.append(_measured(container, "load Pricing, 47 events, no snapshot",
                          lambda: repository.load(Pricing, pricing_id(product))))
    for i in range(10):  # crosses 50 events: the unit of work writes a snapshot
        bus.handle(commands.SetPrice(product, f"{60 + i}.00", "EUR"), CONTEXT)
    rows.append(_measured(container, "load Pricing, 57 events, snapshot at 50",
                          lambda: repository.load(Pricing, pricing_id(product))))
    return rows
