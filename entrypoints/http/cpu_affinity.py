"""Server workers each kept to a CPU of their own.

A worker's threads take turns at Python's global lock, and a request of ours lets go of it a
dozen times or more: at every SQLite statement (each step of one), every turn at a lock file,
every socket call. Free to run anywhere, the thread woken at each let-go starts on another core
at once, and the thread that let go, back a few microseconds later, finds the lock taken and
sleeps: the lock crosses cores at every statement, each crossing two context switches. Kept to
one core, the thread that let go nearly always takes the lock back before the other is even
scheduled. Measured on two cores, one worker of eight threads, wrk with 16 connections: price
changes over 100 products went from 745-820 to 1,344-1,491 requests/s (CPU time per request
1,428-1,573 -> 668-741 µs, voluntary context switches per request 54 -> 1.9); product reads
from 1,367 to 2,882 requests/s. A bare Flask endpoint, which lets go of the lock only to read
and write its socket, gains 5-8% from the same.

The kernel cannot move a process off the CPU it is kept to, however crowded that CPU gets. So
`auto` keeps workers to CPUs only when they are at least as many as the CPUs the server may use
(a server sized to its machine, or to its cpuset: `taskset` or the container's limits decide
which those are), each CPU taking its share; `spread` does so always, `none` never.
"""

import contextlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
AUTO, SPREAD, NONE = "auto", "spread", "none"
AFFINITIES = (AUTO, SPREAD, NONE)


def allowed_cpus() -> list[int]:
    """The CPUs this process may run on (none known where the platform cannot tell)."""
    if not hasattr(os, "sched_getaffinity"):
        return []
    return sorted(os.sched_getaffinity(0))


def affinity_hooks(mode: str, workers: int, cpus: Sequence[int] | None = None) -> dict[str, Callable[..., None]]:
    """Gunicorn server hooks that keep each worker to one of `cpus` (those allowed, by
    default); none when `mode` and the numbers say the kernel is to choose (see the module)."""
    if mode not in AFFINITIES:
        raise ValueError(f"CPU affinity must be one of {', '.join(AFFINITIES)}, not {mode!r}")
    choices = allowed_cpus() if cpus is None else sorted(cpus)
    if mode == NONE or len(choices) < 2 or (mode == AUTO and workers < len(choices)):
        return {}

    def pre_fork(server: Any, worker: Any) -> None:
        """In the master, before the fork: the CPU the fewest live workers keep to (a worker
        that replaces one that died takes the CPU it left)."""
        kept = Counter(getattr(sibling, "cpu", None) for sibling in server.WORKERS.values())
        worker.cpu = min(choices, key=lambda cpu: (kept[cpu], cpu))

    def post_fork(server: Any, worker: Any) -> None:
        """In the new worker, before its app starts: the threads it has (the log writer, which
        gunicorn's first line started) and every thread it starts later keep to the CPU."""
        keep_to(worker.cpu)

    return {"pre_fork": pre_fork, "post_fork": post_fork}


def keep_to(cpu: int) -> None:
    """Keeps every thread of this process to `cpu`; threads started later inherit it. Where
    the system refuses (a sandbox that forbids it), the worker runs on as the kernel places it."""
    tasks = Path("/proc/self/task")
    threads = [int(task.name) for task in tasks.iterdir()] if tasks.is_dir() else [0]
    try:
        for thread in threads:
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.sched_setaffinity(thread, {cpu})
    except OSError as error:
        log.warning("this worker could not keep to CPU %s (%s); the kernel places it", cpu, error)
