"""Which share of a load each gunicorn worker carried, read from /proc (Linux).

wrk opens its connections all at once, and a gthread worker accepts whatever reaches it first:
now and then one worker takes every connection and the other idles, and the server runs on one
core. Such a run measures the accept race, not the server; the bench runs it again.
"""

from collections.abc import Callable
from pathlib import Path

from tests.e2e.server import worker_pids

ATTEMPTS = 4


def cpu_ticks(pid: int) -> int:
    """User and system time of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def shared_by_workers(run: Callable[[], float], master: int) -> float:
    """Runs the load until every worker carried at least half an even share of it (of the
    workers' CPU time; at most ATTEMPTS times): the figure of that run, or the best if none did."""
    workers, best = worker_pids(master), 0.0
    for _ in range(ATTEMPTS):
        before = [cpu_ticks(pid) for pid in workers]
        figure = run()
        used = [cpu_ticks(pid) - start for pid, start in zip(workers, before, strict=True)]
        if sum(used) and min(used) * len(workers) * 2 >= sum(used):
            return figure
        best = max(best, figure)
    return best

