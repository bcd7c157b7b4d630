"""A real server process on a free port, and a small HTTP client for the black-box tests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from entrypoints.http.auth import mint_token

SECRET = "end-to-end-test-secret-of-at-least-32-bytes"
STARTUP_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(data_dir: Path, extra: Mapping[str, str] = {}) -> dict[str, str]:
    return {**os.environ, "PRODUCT_SERVICE_DATA_DIR": str(data_dir), "PRODUCT_SERVICE_JWT_SECRET": SECRET,
            "PRODUCT_SERVICE_SQLITE_SYNCHRONOUS": "NORMAL", **extra}


def cli(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=dict(env), text=True,
                          capture_output=True, timeout=300, check=False)


@contextmanager
def running_server(data_dir: Path, extra_env: Mapping[str, str] = {}, workers: int = 1) -> Iterator[str]:
    """Initialises the stores, starts `product-service serve`, yields its base URL, stops it."""
    env = server_environment(data_dir, extra_env)
    initialised = cli("init", env=env)
    assert initialised.returncode == 0, initialised.stderr
    port = free_port()
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", str(workers)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_until_up(base, process, data_dir)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], data_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {(data_dir / 'server.log').read_text()}")
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the server did not come up in time")


class Client:
    """requests with the base URL and a bearer token for a user and roles."""

    def __init__(self, base: str, user: str = "alice", roles: tuple[str, ...] = ("admin",)) -> None:
        self.base = base
        self.session = requests.Session()
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
