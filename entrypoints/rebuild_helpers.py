"""Helper processes for a rebuild of the read models: each replays a share of the projections
(`REBUILD_SHARES`) into the new generation, in parallel. A projection's work is Python, so one
process replaying them all uses one core. On two cores the catalog's share sets the pace: each
helper reads and decodes the whole feed, and the catalog is the dearest projection (a rebuild
of 111,348 events: 57k events/s with helpers, 45k in one process).

The helpers are forked when made, and so must be made before this process opens any store:
SQLite's locks are not inherited by a child, but its bookkeeping of them would be, and a
child using it could write while another process holds the lock. `ForkedRebuildHelpers`
refuses to start once the configured SQLite files are open here (Linux, where it can tell).
"""

import multiprocessing
import os
from collections.abc import Callable, Collection, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from adapters.read_models.engine import sqlite_file
from application.projections import REBUILD_SHARES
from entrypoints.settings import Settings

WAIT_S = 0.25  # how often the rebuild hears of progress while the helpers work
STOP_S = 10.0


class RebuildHelperFailed(RuntimeError):
    """A helper's share of the rebuild failed, or the helper died."""


class ForkedRebuildHelpers:
    """One forked process per share, waiting for a rebuild's generation; see the module."""

    def __init__(self, settings: Settings, shares: Sequence[tuple[str, ...]] = REBUILD_SHARES) -> None:
        if opened := _open_store_files(settings):
            raise RuntimeError(f"rebuild helpers must be forked before this process opens a store: "
                               f"{', '.join(sorted(opened))} already open")
        context = multiprocessing.get_context("fork")
        self._helpers: list[tuple[Connection, BaseProcess]] = []
        for number, share in enumerate(shares, start=1):
            ours, theirs = context.Pipe()
            inherited = [ours, *(pipe for pipe, _ in self._helpers)]  # for the child to close: its EOF is ours
            process = context.Process(target=_serve, args=(settings, share, theirs, inherited), daemon=True,
                                      name=f"rebuild helper {number} ({', '.join(share)})")
            process.start()
            theirs.close()
            self._helpers.append((ours, process))

    @property
    def pids(self) -> list[int]:
        """The helpers' process ids."""
        return [process.pid for _, process in self._helpers if process.pid is not None]

    def replay(self, generation: int, batch: int, waiting: Callable[[], object]) -> None:
        """See `RebuildHelpers`. Should one fail, the others are stopped at once (a transaction
        cut short rolls back) and the helpers are of no further use."""
        if not self._helpers:
            raise RebuildHelperFailed("the rebuild helpers have stopped")
        pending, failures = dict(self._helpers), []
        for pipe, process in self._helpers:
            try:
                pipe.send((generation, batch))
            except OSError:  # it died since the last rebuild
                del pending[pipe]
                failures.append(_stopped(process))
        while pending and not failures:
            ready = wait([*pending, *(process.sentinel for process in pending.values())], timeout=WAIT_S)
            for pipe, process in list(pending.items()):
                if pipe in ready or process.sentinel in ready:
                    del pending[pipe]
                    if (failure := _outcome(pipe, process)) is not None:
                        failures.append(failure)
            if pending and not failures:
                waiting()
        if failures:
            self.close(still_replaying=pending)
            raise RebuildHelperFailed("; ".join(failures))

    def close(self, still_replaying: Collection[Connection] = ()) -> None:
        """Stops the helpers: each idle one once it has read that it may go, each still
        replaying at once."""
        helpers, self._helpers = self._helpers, []
        for pipe, process in helpers:
            if pipe not in still_replaying:
                try:
                    pipe.send(None)
                    process.join(STOP_S)
                except OSError:
                    pass  # it is gone already
            if process.is_alive():
                process.terminate()
                process.join(STOP_S)
            pipe.close()

    def __enter__(self) -> "ForkedRebuildHelpers":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _outcome(pipe: Connection, process: BaseProcess) -> str | None:
    """None if the helper finished its share, else what went wrong."""
    try:
        done, detail = pipe.recv()
    except (EOFError, OSError):
        return _stopped(process)
    return None if done else f"{process.name} failed: {detail}"


def _stopped(process: BaseProcess) -> str:
    process.join(STOP_S)
    return f"{process.name} stopped (exit code {process.exitcode}) before finishing its share"


def _serve(settings: Settings, share: tuple[str, ...], pipe: Connection, inherited: list[Connection]) -> None:
    """A helper's life: one share of each rebuild it is sent, until it is sent None or the
    rebuilding process is gone (`inherited`: the parent's ends of the pipes, closed here so
    that its end closing is this one's end of file)."""
    from entrypoints.containers import build_container  # the parent imported it: no cost after the fork

    for connection in inherited:
        connection.close()

    projector = None
    while (job := _next_job(pipe)) is not None:
        generation, batch = job
        try:
            projector = projector or build_container(settings).projector()
            pipe.send((True, projector.replay_part(generation, share, batch)))
        except Exception as error:  # the rebuild fails with it, and discards the generation
            pipe.send((False, f"{type(error).__name__}: {error}"))


def _next_job(pipe: Connection) -> tuple[int, int] | None:
    """The next rebuild to help with; None once told to go, or once the rebuild is gone."""
    try:
        job: tuple[int, int] | None = pipe.recv()
    except (EOFError, OSError):
        return None
    return job


def _open_store_files(settings: Settings) -> set[str]:
    """The configured SQLite files this process has open (empty where /proc cannot tell)."""
    files = {Path(settings.event_db_path).resolve()}
    if (read_models := sqlite_file(settings.read_model_database)) is not None:
        files.add(Path(read_models).resolve())
    descriptors = Path("/proc/self/fd")
    if not descriptors.is_dir():
        return set()
    opened = set()
    for descriptor in descriptors.iterdir():
        try:
            target = Path(os.readlink(descriptor))
        except OSError:
            continue
        if target in files:
            opened.add(str(target))
    return opened
