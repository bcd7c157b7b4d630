"""One real server per test process (xdist worker), shared by the tests that need no data dir of their own."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import Client, running_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("shared-catalog")
    with running_server(data_dir) as base:
        yield base


@pytest.fixture
def admin(server: str) -> Client:
    return Client(server, "e2e-admin", ("admin",))
