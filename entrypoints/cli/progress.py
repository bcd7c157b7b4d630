"""Progress bars for long work, drawn on stderr so that stdout carries only results."""

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bar:
    """Call it with the count done so far (and the total, if that has changed)."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress = progress
        self.task = task

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is None:
            self.progress.update(self.task, completed=done)
        else:
            self.progress.update(self.task, completed=done, total=total)


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Bar]:
    """A bar over `total` items (a spinner while the total is unknown)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        yield Bar(progress, progress.add_task(description, total=total))
