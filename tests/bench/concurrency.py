"""Wall time per operation with several callers at once, the same way for both sides."""

import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
CALLERS = 8


def seconds_per_operation(operate: Callable[[T], object], work: Sequence[T], callers: int = CALLERS) -> float:
    """`callers` threads take turns through `work` (each its share, started together); the
    wall time from the start to the last one's finish, divided by the operations."""
    shares = [work[caller::callers] for caller in range(callers)]
    start_line = threading.Barrier(callers + 1)
    errors: list[BaseException] = []

    def call(share: Sequence[T]) -> None:
        start_line.wait()
        try:
            for item in share:
                operate(item)
        except BaseException as error:  # noqa: BLE001 - raised in the caller below
            errors.append(error)

    threads = [threading.Thread(target=call, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed / len(work)
