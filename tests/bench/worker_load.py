"""Which share of a load each gunicorn worker carried, read from /proc (Linux).

wrk opens its connections all at once, and a gthread worker accepts whatever reaches it first:
now and then one worker takes every connection and the other idles, and the server runs on one
core. Such a run measures the accept race, not the server; the bench runs it again.

The workers' CPU time per request is kept beside each figure: it is what a request costs the
server, less swayed than requests per second by what else the machine runs meanwhile.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.server import worker_pids

ATTEMPTS = 4
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Load:
    """A load's requests per second, and the server's workers' CPU time per request."""

    per_second: float
    cpu_per_request_s: float


def cpu_ticks(pid: int) -> int:
    """User and system time of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def shared_by_workers(run: Callable[[], tuple[float, int]], master: int) -> Load:
    """Runs the load (`run`: its requests per second and how many it made) until every worker
    carried at least half an even share of it (of the workers' CPU time; at most ATTEMPTS
    times): the figures of that run, or of the fastest if none did."""
    workers, best = worker_pids(master), Load(0.0, 0.0)
    for _ in range(ATTEMPTS):
        before = [cpu_ticks(pid) for pid in workers]
        per_second, requests = run()
        used = [cpu_ticks(pid) - start for pid, start in zip(workers, before, strict=True)]
        load = Load(per_second, sum(used) * TICK_S / max(requests, 1))
        if sum(used) and min(used) * len(workers) * 2 >= sum(used):
            return load
        best = max(best, load, key=lambda figures: figures.per_second)
    return best
