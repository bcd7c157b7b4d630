"""Graceful stop for the long-running commands: SIGTERM or SIGINT sets an event that the
loops check between units of work."""

import signal
import threading
from types import FrameType


def stop_on_signals() -> threading.Event:
    """An event set by the first SIGTERM or SIGINT (installed for the main thread)."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop
