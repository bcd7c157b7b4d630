"""`make bench`: our service beside the `eventsourcing` library on the same workloads, same run.

Both sides run on an SQLite file in WAL mode with the same `synchronous` level; the table is
printed once per level. Ratios > 1 mean we are faster. One row is not ours: the statements our
create runs, issued on sqlite3 alone, the floor under any create that writes what ours writes.
The projection rebuild is measured against its target alone (the reference has no read models).
"""

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from tests.bench import amqp_throughput, dynamodb_usage, http_throughput, rebuild_throughput, sql_floor
from tests.bench import catalog_workloads as ours
from tests.bench import reference_eventsourcing as reference
from tests.bench.concurrency import CALLERS


@dataclass(frozen=True)
class Workload:
    label: str
    ours: Callable[[str], float]
    reference: Callable[[str], float]
    target: str
    met: Callable[[float, float], bool]


def workloads(n: int, large: int) -> list[Workload]:
    def speedup(minimum: float) -> Callable[[float, float], bool]:
        return lambda mine, theirs: theirs / mine >= minimum

    return [
        Workload("(a) get, change, save a price", lambda s: ours.change_price_seconds(n, synchronous=s),
                 lambda s: reference.change_price_seconds(n, synchronous=s), ">= 2x", speedup(2)),
        Workload("(a) the same, our aggregate cache off",
                 lambda s: ours.change_price_seconds(n, synchronous=s, aggregate_cache=0),
                 lambda s: reference.change_price_seconds(n, synchronous=s), "(for reference)", lambda *_: True),
        Workload("(b) create", lambda s: ours.create_seconds(n, synchronous=s),
                 lambda s: reference.create_seconds(n, synchronous=s), ">= 2x", speedup(2)),
        Workload(f"(b) the same, {CALLERS} callers at once",
                 lambda s: ours.create_seconds(n, synchronous=s, callers=CALLERS),
                 lambda s: reference.create_seconds(n, synchronous=s, callers=CALLERS), "(for reference)",
                 lambda *_: True),
        Workload("(b) its SQL alone on sqlite3: the floor", lambda s: sql_floor.create_sql_seconds(n, synchronous=s),
                 lambda s: reference.create_seconds(n, synchronous=s), "(the ceiling of (b))", lambda *_: True),
        Workload("(c) load a 10-event aggregate", lambda s: ours.load_small_seconds(n, synchronous=s),
                 lambda s: reference.load_small_seconds(n, synchronous=s), "faster", speedup(1)),
        Workload("(d) load 10,000 events, no snapshot", lambda s: ours.load_large_seconds(large, synchronous=s),
                 lambda s: reference.load_large_seconds(large, synchronous=s), "<= 0.5x time", speedup(2)),
        Workload("(d) load 10,000 events, snapshot",
                 lambda s: ours.load_large_seconds(large * 10, snapshot=True, synchronous=s),
                 lambda s: reference.load_large_seconds(large * 10, snapshot=True, synchronous=s),
                 "< 1 ms", lambda mine, _: mine < 0.001),
    ]


def run(level: str, n: int, large: int, console: Console) -> bool:
    table = Table(title=f"SQLite file, WAL, synchronous={level}")
    for column in ("workload", "ours", "eventsourcing 9.5.6", "speed-up", "target", "met"):
        table.add_column(column)
    all_met = True
    for workload in workloads(n, large):
        mine, theirs = workload.ours(level), workload.reference(level)
        met = workload.met(mine, theirs)
        all_met &= met
        table.add_row(workload.label, _duration(mine), _duration(theirs), f"{theirs / mine:.2f}x",
                      workload.target, "yes" if met else "NO")
    console.print(table)
    return all_met


def run_http(console: Console) -> None:
    table = Table(title=f"HTTP under gunicorn ({http_throughput.WORKERS} workers x {http_throughput.THREADS} "
                        f"threads), wrk from the same machine, best of {http_throughput.ROUNDS} rounds taken in turns")
    for column in ("endpoint", "ours req/s", "bare Flask req/s", "ratio", "target", "met",
                   "worker CPU per request: ours / bare", "bare/ours"):
        table.add_column(column)
    targets = {http_throughput.READ: 0.5, http_throughput.PRICE: 0.3, http_throughput.PRICES: 0.3}
    unpinned = Table(title="for reference: ours with its workers free to move between CPUs "
                           "(serve --cpu-affinity none), same rounds")
    for column in ("endpoint", "req/s", "ratio to bare", "worker CPU per request", "ours kept to CPUs / this"):
        unpinned.add_column(column)
    for endpoint, figures in http_throughput.measure().items():
        mine, bare, free = figures.ours, figures.bare, figures.ours_unpinned
        target, ratio = targets.get(endpoint, 0.0), mine.per_second / bare.per_second
        table.add_row(endpoint, f"{mine.per_second:.0f}", f"{bare.per_second:.0f}", f"{ratio:.2f}",
                      f">= {target:.2f}", "yes" if ratio >= target else "NO",
                      f"{mine.cpu_per_request_s * 1e6:.0f} / {bare.cpu_per_request_s * 1e6:.0f} µs",
                      f"{bare.cpu_per_request_s / mine.cpu_per_request_s:.2f}")
        unpinned.add_row(endpoint, f"{free.per_second:.0f}", f"{free.per_second / bare.per_second:.2f}",
                         f"{free.cpu_per_request_s * 1e6:.0f} µs", f"{mine.per_second / free.per_second:.2f}")
    console.print(table)
    console.print("the CPU figures are the server workers' user and system time over the requests wrk made "
                  "(least of the rounds): what a request costs, less swayed by the machine's neighbours; "
                  "our server keeps each worker to a CPU of its own (serve --cpu-affinity spread)")
    console.print(unpinned)


def run_dynamodb(console: Console) -> None:
    table = Table(title="DynamoDB requests per command and per load (targets: 1 write request per command, "
                        "at most 2 read requests per load once a snapshot exists)")
    for column in ("what", "requests", "write requests", "read units", "write units"):
        table.add_column(column)
    for what, requests, writes, read_units, write_units in dynamodb_usage.measure():
        table.add_row(what, str(requests), str(writes), f"{read_units:g}", f"{write_units:g}")
    console.print(table)
    console.print("capacity units are what the endpoint reports; moto reports none for transactions")


def run_amqp(console: Console) -> None:
    figures = amqp_throughput.measure()
    table = Table(title=f"RabbitMQ, {figures.message_bytes}-byte messages, same run")
    for column in ("what", "per second", "ratio to raw publishing"):
        table.add_column(column)
    raw = figures.raw_publish_per_s
    table.add_row("relay: outbox -> exchange, batched confirms, checkpoint advanced",
                  f"{figures.relay_events_per_s:.0f}", f"{figures.relay_to_raw:.2f} (target >= 0.60)")
    table.add_row("raw pika basic_publish, no confirms", f"{raw:.0f}", "1.00")
    table.add_row("one confirm per message (for contrast)", f"{figures.confirm_each_per_s:.0f}",
                  f"{figures.confirm_each_per_s / raw:.2f}")
    table.add_row("command consumer, end to end", f"{figures.consumer_commands_per_s:.0f}", "")
    console.print(table)


def run_rebuild(console: Console) -> bool:
    figures = rebuild_throughput.measure()
    target, identical = rebuild_throughput.TARGET_EVENTS_PER_S, "yes" if figures.identical else "NO"
    met = figures.events_per_s >= target and figures.identical
    table = Table(title=f"Projection rebuild, SQLite file -> SQLite file: {figures.events:,} events, "
                        f"{figures.products:,} products (history written in {figures.setup_s:.0f} s, not timed)")
    for column in ("what", "ours", "target", "ratio", "met"):
        table.add_column(column)
    table.add_row("rebuild, events/s", f"{figures.events_per_s:,.0f}", f">= {target:,}",
                  f"{figures.events_per_s / target:.2f}", "yes" if met else "NO")
    table.add_row("  rebuilt views equal the live ones", identical, "yes", "", identical)
    alone_identical = "yes" if figures.identical_alone else "NO (views differ)"
    table.add_row("  one process alone, events/s", f"{figures.events_per_s_alone:,.0f}", "(for reference)",
                  f"{figures.events_per_s_alone / target:.2f}", alone_identical)
    table.add_row("embedded projection per command", _duration(figures.embedded_s), "(for reference)", "", "")
    console.print(table)
    console.print("rebuild: as `product-service projections rebuild` runs it, helper processes replaying the "
                  "projections' shares in parallel")
    console.print("embedded projection: Projector.on_committed after one SetPrice (median), as the HTTP server "
                  "runs it after every command")
    return met


def _duration(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="operations per timed run of (a), (b), (c)")
    parser.add_argument("--large", type=int, default=5, help="loads per timed run of (d)")
    parser.add_argument("--synchronous", nargs="+", default=["NORMAL", "FULL"])
    parser.add_argument("--only", choices=["core", "http", "dynamodb", "amqp", "rebuild"], help="run one part only")
    args = parser.parse_args()
    console = Console()
    started = time.perf_counter()
    results = {}
    if args.only in (None, "core"):
        results = {level: run(level, args.n, args.large, console) for level in args.synchronous}
    if args.only in (None, "http"):
        run_http(console)
    if args.only in (None, "dynamodb"):
        run_dynamodb(console)
    if args.only in (None, "amqp"):
        run_amqp(console)
    if args.only in (None, "rebuild"):
        results["rebuild"] = run_rebuild(console)
    console.print(f"benchmark took {time.perf_counter() - started:.0f} s; "
                  + ", ".join(f"{level}: {'all targets met' if ok else 'targets missed'}"
                              for level, ok in results.items()))


if __name__ == "__main__":
    main()
