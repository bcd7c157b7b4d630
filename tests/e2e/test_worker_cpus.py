"""`serve --cpu-affinity`: which CPUs the running workers, and every thread of theirs, may use (Linux /proc)."""

from pathlib import Path

import pytest

from entrypoints.http.cpu_affinity import allowed_cpus
from tests.e2e.server import Client, ok, server_process, unique, wait_until, worker_pids

# the CPUs the servers may use: two, however many this machine has
CPUS = allowed_cpus()[:2]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(len(CPUS) < 2, reason="needs two CPUs or more")]


def _cpus_of_every_thread(pid: int) -> set[frozenset[int]]:
    """The CPU sets of the process's threads, as the kernel reports them."""
    sets = set()
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        line = next(line for line in status.read_text().splitlines() if line.startswith("Cpus_allowed_list:"))
        sets.add(frozenset(_cpu_list(line.split(":", 1)[1].strip())))
    return sets


def _cpu_list(text: str) -> set[int]:
    cpus: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def _served_workers(tmp_path: Path, workers: int, *serve_args: str) -> list[set[frozenset[int]]]:
    with server_process(tmp_path, workers=workers, threads=4, serve_args=serve_args, cpus=CPUS) as (base, process):
        assert wait_until(lambda: len(worker_pids(process.pid)) == workers, timeout_s=20)
        client = Client(base)
        for _ in range(8):  # the request threads start with the requests
            ok(client.post("/products", {"sku": unique("CPU"), "name": "Boot"}), 201)
        return [_cpus_of_every_thread(pid) for pid in worker_pids(process.pid)]


def test_as_many_workers_as_cpus_keep_each_to_a_cpu_of_its_own_with_every_thread(tmp_path: Path):
    workers = _served_workers(tmp_path, len(CPUS))

    assert all(len(threads) == 1 and len(next(iter(threads))) == 1 for threads in workers), workers
    assert sorted(cpu for threads in workers for cpu in next(iter(threads))) == CPUS


def test_fewer_workers_than_cpus_are_left_to_the_kernel(tmp_path: Path):
    (threads,) = _served_workers(tmp_path, 1)

    assert threads == {frozenset(CPUS)}


def test_spread_keeps_a_single_worker_to_one_cpu_and_none_keeps_none_to_any(tmp_path: Path):
    (spread,) = _served_workers(tmp_path / "spread", 1, "--cpu-affinity", "spread")
    free = _served_workers(tmp_path / "none", len(CPUS), "--cpu-affinity", "none")

    assert len(spread) == 1 and len(next(iter(spread))) == 1
    assert all(threads == {frozenset(CPUS)} for threads in free)
