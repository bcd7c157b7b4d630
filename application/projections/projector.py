"""Keeps the read models up with the event feed: catch-up, lag, and rebuild by replay."""

import gc
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from application.envelope import StoredEvent
from application.ports import EventStore
from application.projections import ProjectionGap
from application.read_models import ProjectionStatus, ReadModels, ReadModelsRebuild

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
T = TypeVar("T")
CATCH_UP_BATCH = 500
REBUILD_BATCH = 20_000  # events per transaction of a rebuild: the more, the more row changes fold into one


class RebuildHelpers(Protocol):
    """Processes that replay a rebuild's bulk in parallel: the projections are independent,
    so each helper replays a share of them (`Projector.replay_part`)."""

    def replay(self, generation: int, batch: int, waiting: Callable[[], object]) -> None:
        """Every helper replays its share into the unfinished `generation`, up to the end of
        the feed as it finds it, `batch` events per transaction; `waiting` is called every so
        often meanwhile. Raises if any of them failed."""


class Projector:
    """Reads every shard of the feed after the read models' checkpoints and projects it in order.

    One lock serialises the catch-ups of this process, so concurrent callers never apply
    events out of order; other processes are kept in order by the read models' own
    transactions, which skip whatever a checkpoint has passed.
    """

    def __init__(self, store: EventStore, read_models: ReadModels) -> None:
        self.store = store
        self.read_models = read_models
        self._lock = threading.RLock()  # re-entrant: a progress callback may run a command
        # per shard, a position the live read models have surely reached (checkpoints only grow)
        self._reached: dict[int, int] = {}

    def catch_up(self, batch: int = CATCH_UP_BATCH) -> int:
        """Projects every event committed after the checkpoints; how many events it read."""
        with self._lock:
            return self._replay_into(self.read_models, batch)

    def on_committed(self, events: Sequence[StoredEvent]) -> None:
        """The message bus's listener: projects right after a command commits (embedded mode).

        The command has committed whatever happens here, so a failure is logged, not raised:
        the next catch-up (of any command, or of the projection runner) picks the events up.
        Commands that committed together find their events projected by the first of them to
        get here; the checkpoints this process last saw spare a read of them, and a read of the
        feed past the last event wanted (the catch-up still projects whatever else it finds).
        """
        wanted: dict[int, int] = {}
        for event in events:
            wanted[event.shard] = max(event.position, wanted.get(event.shard, 0))
        try:
            with self._lock:
                if all(position <= self._reached.get(shard, 0) for shard, position in wanted.items()):
                    return
                self._catch_up_to(wanted)
        except Exception:
            log.exception("projecting after a commit failed; the next catch-up will retry")

    def _catch_up_to(self, wanted: dict[int, int]) -> None:
        known = self._reached if len(self._reached) == self.store.feed_shards() else None
        try:
            self._replay_into(self.read_models, CATCH_UP_BATCH, checkpoints=known, wanted=wanted)
        except ProjectionGap:
            if known is None:
                raise
            # the views are behind what this process saw: replaced by a rebuild still catching up,
            # or made anew; start from their own checkpoints
            self._reached = {}
            self._replay_into(self.read_models, CATCH_UP_BATCH, wanted=wanted)

    def lag(self) -> int:
        """How many events of the feed the read models have not applied yet."""
        return _behind(self._heads(), self.read_models.checkpoints())

    def status(self) -> list[ProjectionStatus]:
        """Each projection's checkpoints and lag: one read of the heads and one of the checkpoints."""
        heads = self._heads()
        return [ProjectionStatus(name, checkpoints, _behind(heads, checkpoints))
                for name, checkpoints in self.read_models.projection_checkpoints().items()]

    def rebuild(self, batch: int = REBUILD_BATCH, on_progress: Progress | None = None,
                helpers: RebuildHelpers | None = None) -> int:
        """Replays the whole feed into a fresh generation of the views while the live one keeps
        serving, then swaps it in atomically; how many events it replayed. `helpers`: replay
        the bulk, a share of the projections each, in parallel; this process then projects
        what they left (the events committed meanwhile) and makes the generation go live."""
        target = self.read_models.start_rebuild()
        try:
            total = _behind(self._heads(), {})
            replayed = 0
            if helpers is not None:
                def helped() -> int:  # every projection has applied them: positions have no gaps
                    done = sum(target.checkpoints().values())
                    if on_progress is not None:
                        on_progress(done, max(total, done))
                    return done

                helpers.replay(target.generation, batch, helped)
                replayed = helped()
            replayed += self._replay_into(target, batch, _reporting(on_progress, total, replayed))
            with self._lock:  # no catch-up of this process writes to the old generation meanwhile
                replayed += self._replay_into(target, batch, _reporting(on_progress, total, replayed))
                target.go_live()
        except BaseException:
            target.discard()
            raise
        self.catch_up(batch)  # what other processes projected into the old generation since
        return replayed

    def replay_part(self, generation: int, projections: Sequence[str], batch: int = REBUILD_BATCH) -> int:
        """A rebuild helper's share: the named projections of the generation being rebuilt,
        replayed up to the end of the feed as it finds it; how many events it read."""
        return self._replay_into(self.read_models.rebuild_part(generation, projections), batch)

    def _replay_into(self, target: ReadModels | ReadModelsRebuild, batch: int,
                     progress: Callable[[int], None] | None = None, checkpoints: dict[int, int] | None = None,
                     wanted: dict[int, int] | None = None) -> int:
        """Projects every shard's events after `checkpoints` (the target's own if not given),
        batch by batch; a shard in `wanted` is left once it is past that position and its last
        batch was short (the feed's end, as far as anyone waits for it). How many it read."""
        checkpoints, read = dict(target.checkpoints() if checkpoints is None else checkpoints), 0
        for shard in range(self.store.feed_shards()):
            checkpoints.setdefault(shard, 0)
            until = (wanted or {}).get(shard)
            while projected := _collector_paused(self._project_next, target, shard, checkpoints[shard], batch):
                count, checkpoints[shard] = projected
                read += count
                if progress is not None:
                    progress(read)
                if until is not None and checkpoints[shard] >= until and count < batch:
                    break
        if target is self.read_models:
            self._reached = checkpoints
        return read

    def _project_next(self, target: ReadModels | ReadModelsRebuild, shard: int, after: int,
                      batch: int) -> tuple[int, int] | None:
        """Reads a batch of the shard's events after `after` and projects it: how many there
        were and the last one's position, or None at the end of the shard."""
        events = self.store.read_feed(shard, after, batch)
        if not events:
            return None
        target.project(events)
        return len(events), events[-1].position

    def _heads(self) -> dict[int, int]:
        return {shard: self.store.feed_head(shard) for shard in range(self.store.feed_shards())}


def _collector_paused(work: Callable[..., T], *arguments: Any) -> T:
    """Does the work with the cyclic garbage collector paused. A batch makes many objects and
    frees them all itself, with hardly a cycle among them; the collector would scan the heap
    again and again meanwhile (a fifth of a rebuild's time). Whatever the work keeps only for
    itself is gone when it returns, before the collector resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return work(*arguments)
    finally:
        if was_enabled:
            gc.enable()


def _behind(heads: dict[int, int], checkpoints: dict[int, int]) -> int:
    """Events after the checkpoints: each shard holds every position up to its head."""
    return sum(max(0, head - checkpoints.get(shard, 0)) for shard, head in heads.items())


def _reporting(on_progress: Progress | None, total: int, done_before: int = 0) -> Callable[[int], None] | None:
    """Turns events read so far into (done, total) calls; the feed may grow while it is read."""
    if on_progress is None:
        return None
    callback = on_progress
    return lambda read: callback(done_before + read, max(total, done_before + read))
