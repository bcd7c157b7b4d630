"""Ports for the servers the tests start, outside the kernel's ephemeral range.

A port the kernel hands out for bind(("", 0)) is one it also hands out as the local end of
outgoing connections. Between probing such a port and the server binding it, any connection
of the suite (it makes thousands) may take it. Worse, a client polling a port of that range
where nothing listens yet can connect to itself (TCP's simultaneous open), mistake that for
the server and hold the port the server then cannot bind. Below the range neither happens.

The suite's processes (pytest-xdist workers) each draw from their own share of the ports: a
port one of them has probed but not yet bound could otherwise be drawn by another.
"""

import os
import random
import socket
from collections.abc import Mapping
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
SPAN = 12_000


def free_port(host: str = "127.0.0.1") -> int:
    """A port no one listens on, below the ephemeral range (or any free one, should the range
    leave no room below it)."""
    low = _ephemeral_low()
    candidates = own_share(range(max(1024, low - SPAN), low), os.environ)
    for _ in range(100 if len(candidates) > 100 else 0):
        port = random.choice(candidates)
        if _bindable(host, port):
            return port
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def own_share(ports: range, environ: Mapping[str, str]) -> range:
    """This pytest-xdist worker's slice of `ports` (gw0 the first of PYTEST_XDIST_WORKER_COUNT);
    all of them outside xdist."""
    worker, count = environ.get("PYTEST_XDIST_WORKER", ""), environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not (worker.startswith("gw") and worker[2:].isdigit() and count.isdigit() and int(count) > 1):
        return ports
    size = len(ports) // int(count)
    start = ports.start + (int(worker[2:]) % int(count)) * size
    return range(start, start + size)


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
