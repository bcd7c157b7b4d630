"""Requests per second for GET /products/{id} and for a price change, served by gunicorn, beside a
bare Flask endpoint under the same gunicorn settings, loaded by wrk from the same machine."""

import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.bench.worker_load import Load, shared_by_workers
from tests.e2e.server import Client, free_port, server_process

WORKERS = 2
THREADS = 8
WRK = ["wrk", "--threads", "2", "--connections", "16", "--duration", "3s"]
PUT_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"amount": "%d.%02d", "currency": "EUR"}', 10 + counter % 5000, counter % 100)
  return wrk.format("PUT", nil, nil, body)
end
"""
CATALOG_PRODUCTS = 100
READ, PRICE = "GET /products/{id}", "PUT /products/{id}/price"
PRICES = f"PUT /products/{{id}}/price over {CATALOG_PRODUCTS} products"
JSON = {"Content-Type": "application/json"}


def spread_put_script(product_ids: list[str]) -> str:
    """Price changes round robin over many products, as a catalog gets them (the path is ignored)."""
    paths = ", ".join(f'"/api/v1/products/{product_id}/price"' for product_id in product_ids)
    return f"""
paths = {{{paths}}}
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{{"amount": "%d.%02d", "currency": "EUR"}}', 10 + counter % 5000, counter % 100)
  return wrk.format("PUT", paths[counter % #paths + 1], nil, body)
end
"""


def requests_per_second(url: str, headers: dict[str, str], script: str | None = None) -> tuple[float, int]:
    """wrk's requests per second, and how many requests it made."""
    args = [*WRK]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            args += ["--script", lua.name]
        output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return rate, int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]


@contextmanager
def bare_flask() -> Iterator[tuple[str, int]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads",
                                str(THREADS), "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", "tests.bench.bare_flask:app"])
    url = f"http://127.0.0.1:{port}/item"
    try:
        for _ in range(100):
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


ROUNDS = 5


@dataclass(frozen=True)
class Figures:
    """A workload's loads: our server with each worker kept to a CPU of its own (`serve
    --cpu-affinity spread`, what `auto` does with as many workers as CPUs), the bare
    Flask reference, and for reference our server with its workers free to move between CPUs
    (`--cpu-affinity none`)."""

    ours: Load
    bare: Load
    ours_unpinned: Load


def measure(rounds: int = ROUNDS) -> dict[str, Figures]:
    """Each workload's figures: the servers up at once, measured in turns, each workload's best
    round kept (this machine's speed drifts between runs): the most requests per second, and
    apart from it the least CPU time per request; a run in which one worker got (nearly) every
    connection is run again (see `worker_load`)."""
    best: dict[str, list[Load]] = {}
    with bare_flask() as (bare, bare_master), tempfile.TemporaryDirectory() as directory, \
            tempfile.TemporaryDirectory() as unpinned_directory, \
            server_process(Path(directory), workers=WORKERS, threads=THREADS,
                           serve_args=("--cpu-affinity", "spread")) as (base, server), \
            server_process(Path(unpinned_directory), workers=WORKERS, threads=THREADS,
                           serve_args=("--cpu-affinity", "none")) as (unpinned_base, unpinned_server):
        ours, unpinned = _workloads(base), _workloads(unpinned_base)
        theirs = {name: _bare_load(bare, name) for name in ours}
        for _ in range(rounds):
            for name in ours:
                loads = [shared_by_workers(ours[name], server.pid), shared_by_workers(theirs[name], bare_master),
                         shared_by_workers(unpinned[name], unpinned_server.pid)]
                kept = best.get(name)
                best[name] = loads if kept is None else [_better(a, b) for a, b in zip(kept, loads, strict=True)]
    return {name: Figures(*loads) for name, loads in best.items()}


def _workloads(base: str) -> dict[str, Callable[[], tuple[float, int]]]:
    """The workloads on one of our servers, its catalog made first: a product to read and
    to price, and CATALOG_PRODUCTS more to price in turn."""
    client = Client(base)
    category = client.post("/categories", {"name": "Bench"}).json()["id"]
    product = client.post("/products", {"sku": "BENCH-1", "name": "Bench", "categoryIds": [category]}).json()["id"]
    auth = {"Authorization": client.session.headers["Authorization"]}
    catalog = [client.post("/products", {"sku": f"BENCH-{n}", "name": "Bench"}).json()["id"]
               for n in range(2, CATALOG_PRODUCTS + 2)]
    return {
        READ: lambda: requests_per_second(f"{base}/products/{product}", auth),
        PRICE: lambda: requests_per_second(f"{base}/products/{product}/price", {**auth, **JSON}, PUT_SCRIPT),
        PRICES: lambda: requests_per_second(f"{base}/products/{catalog[0]}/price", {**auth, **JSON},
                                            spread_put_script(catalog)),
    }


def _bare_load(url: str, workload: str) -> Callable[[], tuple[float, int]]:
    if workload == READ:
        return lambda: requests_per_second(url, {})
    return lambda: requests_per_second(url, JSON, PUT_SCRIPT)


def _better(kept: Load, new: Load) -> Load:
    """Each figure at its best: the most requests per second, the least CPU time per request."""
    return Load(max(kept.per_second, new.per_second), min(kept.cpu_per_request_s, new.cpu_per_request_s))
