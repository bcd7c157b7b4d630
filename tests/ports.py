"""Ports for the servers the tests start, outside the kernel's ephemeral range.

A port the kernel hands out for bind(("", 0)) is one it also hands out as the local end of
outgoing connections. Between probing such a port and the server binding it, any connection
of the suite (it makes thousands) may take it. Worse, a client polling a port of that range
where nothing listens yet can connect to itself (TCP's simultaneous open), mistake that for
the server and hold the port the server then cannot bind. Below the range neither happens.
"""

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
SPAN = 12_000


def free_port(host: str = "127.0.0.1") -> int:
    """A port no one listens on, below the ephemeral range (or any free one, should the range
    leave no room below it)."""
    low = _ephemeral_low()
    candidates = range(max(1024, low - SPAN), low)
    for _ in range(100 if len(candidates) > 100 else 0):
        port = random.choice(candidates)
        if _bindable(host, port):
            return port
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True
