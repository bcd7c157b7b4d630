"""`product-service serve --workers N`: gunicorn with N worker processes and a graceful stop."""

import json
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from entrypoints.http.auth import mint_token
from tests.e2e.server import SECRET, Client, ok, server_process, unique, wait_until, worker_pids

pytestmark = pytest.mark.slow


def test_serve_starts_the_workers_asked_for_and_they_share_one_catalog(tmp_path: Path):
    with server_process(tmp_path, workers=2, threads=2) as (base, process):
        assert wait_until(lambda: len(worker_pids(process.pid)) == 2, timeout_s=20)
        workers = worker_pids(process.pid)
        client = Client(base)
        created = [ok(client.post("/products", {"sku": unique("W"), "name": "Boot"}), 201)["id"] for _ in range(8)]
        read_back = [Client(base).get(f"/products/{product_id}").status_code for product_id in created]

    assert len(workers) == 2
    assert read_back == [200] * 8


def test_sigterm_lets_a_request_in_flight_finish_then_stops_cleanly(tmp_path: Path):
    with server_process(tmp_path, workers=2) as (base, process):
        address = urlparse(base)
        token = mint_token(SECRET, "alice", ["admin"], 600, int(time.time()))
        body = json.dumps({"sku": unique("GRACE"), "name": "Boot"}).encode()
        request = (f"POST /api/v1/products HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: Bearer {token}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
            connection.sendall(request.encode() + body[:10])  # the worker has the request, not yet all its body
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            still_running = process.poll() is None
            connection.sendall(body[10:])
            answer = _read_all(connection)
        exit_code = process.wait(timeout=30)
        refused_after_stop = _refused(address.hostname or "", address.port or 0)

    status_line = answer.split(b"\r\n", 1)[0]
    assert still_running, "the server stopped before its request in flight was answered"
    assert status_line == b"HTTP/1.1 201 CREATED", answer[:300]
    assert exit_code == 0
    assert refused_after_stop


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return True
    return False
