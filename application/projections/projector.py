"""Keeps the read models up with the event feed: catch-up, lag, and rebuild by replay."""

import logging
import threading
from collections.abc import Callable, Sequence

from application.envelope import StoredEvent
from application.ports import EventStore
from application.read_models import ProjectionStatus, ReadModels, ReadModelsRebuild

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
COUNTING_PAGE = 5000


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

    def catch_up(self, batch: int = 500) -> int:
        """Projects every event committed after the checkpoints; how many events it read."""
        with self._lock:
            return self._replay_into(self.read_models, batch)

    def on_committed(self, events: Sequence[StoredEvent]) -> None:
        """The message bus's listener: projects right after a command commits (embedded mode).

        The command has committed whatever happens here, so a failure is logged, not raised:
        the next catch-up (of any command, or of the projection runner) picks the events up.
        """
        try:
            self.catch_up()
        except Exception:
            log.exception("projecting after a commit failed; the next catch-up will retry")

    def lag(self) -> int:
        """How many events of the feed the read models have not applied yet."""
        return self._count_after(self.read_models.checkpoints())

    def status(self) -> list[ProjectionStatus]:
        """Each projection's checkpoints and lag."""
        return [ProjectionStatus(name, checkpoints, self._count_after(checkpoints))
                for name, checkpoints in self.read_models.projection_checkpoints().items()]

    def rebuild(self, batch: int = 500, on_progress: Progress | None = None) -> int:
        """Replays the whole feed into a fresh generation of the views while the live one keeps
        serving, then swaps it in atomically; how many events it replayed."""
        target = self.read_models.start_rebuild()
        try:
            total = self._count_after({})
            replayed = self._replay_into(target, batch, _reporting(on_progress, total))
            with self._lock:  # no catch-up of this process writes to the old generation meanwhile
                replayed += self._replay_into(target, batch, _reporting(on_progress, total, replayed))
                target.go_live()
        except BaseException:
            target.discard()
            raise
        self.catch_up(batch)  # what other processes projected into the old generation since
        return replayed

    def _replay_into(self, target: ReadModels | ReadModelsRebuild, batch: int,
                     progress: Callable[[int], None] | None = None) -> int:
        checkpoints, read = target.checkpoints(), 0
        for shard in range(self.store.feed_shards()):
            while events := self.store.read_feed(shard, checkpoints.get(shard, 0), batch):
                target.project(events)
                checkpoints[shard] = events[-1].position
                read += len(events)
                if progress is not None:
                    progress(read)
        return read

    def _count_after(self, checkpoints: dict[int, int]) -> int:
        count = 0
        for shard in range(self.store.feed_shards()):
            position = checkpoints.get(shard, 0)
            while events := self.store.read_feed(shard, position, COUNTING_PAGE):
                count += len(events)
                position = events[-1].position
        return count


def _reporting(on_progress: Progress | None, total: int, done_before: int = 0) -> Callable[[int], None] | None:
    """Turns events read so far into (done, total) calls; the feed may grow while it is read."""
    if on_progress is None:
        return None
    callback = on_progress
    return lambda read: callback(done_before + read, max(total, done_before + read))
