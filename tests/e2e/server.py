"""A real server process on a free port, and a small HTTP client for the black-box tests."""

import os
import subprocess
import sys
import time
import uuid
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from entrypoints.http.auth import mint_token
from tests.ports import free_port

SECRET = "end-to-end-test-secret-of-at-least-32-bytes"
STARTUP_TIMEOUT_S = 30


def server_environment(data_dir: Path, extra: Mapping[str, str] = {}) -> dict[str, str]:
    return {**os.environ, "PRODUCT_SERVICE_DATA_DIR": str(data_dir), "PRODUCT_SERVICE_JWT_SECRET": SECRET,
            "PRODUCT_SERVICE_SQLITE_SYNCHRONOUS": "NORMAL", **extra}


def cli(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=dict(env), text=True,
                          capture_output=True, timeout=300, check=False)


@contextmanager
def running_server(data_dir: Path, extra_env: Mapping[str, str] = {}, workers: int = 1) -> Iterator[str]:
    """Initialises the stores, starts `product-service serve`, yields its base URL, stops it."""
    with server_process(data_dir, extra_env, workers) as (base, _):
        yield base


@contextmanager
def server_process(data_dir: Path, extra_env: Mapping[str, str] = {}, workers: int = 1,
                   threads: int | None = None, serve_args: Sequence[str] = (),
                   cpus: Collection[int] | None = None) -> Iterator[tuple[str, "subprocess.Popen[bytes]"]]:
    """As `running_server`, yielding the server's process as well; `threads` per worker (the
    default if None); `serve_args`: more options of `serve`; `cpus`: the only CPUs the server
    may use (as `taskset` would set them; all of this process's if None)."""
    env = server_environment(data_dir, extra_env)
    initialised = cli("init", env=env)
    assert initialised.returncode == 0, initialised.stderr
    port = free_port()
    log = (data_dir / "server.log").open("w")
    threading = ["--threads", str(threads)] if threads else []
    process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", str(workers), *threading, *serve_args],
                               env=env, stdout=log, stderr=log,
                               preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus))
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_until_up(base, process, data_dir)
        yield base, process
    finally:
        for session in list(_sessions.pop(base, ())):
            session.close()  # gunicorn's graceful stop would wait for idle keep-alive connections
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)
        log.close()


def worker_pids(master: int) -> list[int]:
    """The server's worker processes: the children of its gunicorn master."""
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def _wait_until_up(base: str, process: subprocess.Popen[bytes], data_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {(data_dir / 'server.log').read_text()}")
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or slow on a busy machine
            time.sleep(0.1)
    raise RuntimeError("the server did not come up in time")


_sessions: dict[str, "weakref.WeakSet[requests.Session]"] = {}  # base URL -> the clients' open sessions


class Client:
    """requests with the base URL and a bearer token for a user and roles."""

    def __init__(self, base: str, user: str = "alice", roles: tuple[str, ...] = ("admin",)) -> None:
        self.base = base
        self.session = requests.Session()
        _sessions.setdefault(base, weakref.WeakSet()).add(self.session)
        if roles:
            token = mint_token(SECRET, user, list(roles), 3600, int(time.time()))
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base}{path}", timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def with_headers(self, **headers: str) -> "Client":
        """The same client, sending these headers on every request as well."""
        self.session.headers.update({name.replace("_", "-"): value for name, value in headers.items()})
        return self


PROBLEM_JSON = "application/problem+json"


def unique(prefix: str) -> str:
    """A name no other test uses: SKUs, slugs and search terms stay apart on a shared server."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def problem(response: requests.Response, status: int) -> dict[str, Any]:
    """The problem+json body of an error response, after checking its status and shape."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"] == PROBLEM_JSON, response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and isinstance(body["detail"], str), body
    return body


def ok(response: requests.Response, status: int = 200) -> dict[str, Any]:
    """The JSON body of a successful response, after checking its status."""
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


def wait_until(condition: Callable[[], bool], timeout_s: float, interval_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return condition()
