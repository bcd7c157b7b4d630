"""The read model contracts on PostgreSQL (database `test` at 127.0.0.1:5432, user postgres).

Each test keeps its tables in schemas of its own, dropped afterwards, so runs in parallel do
not meet. Skipped only when the server cannot be reached.
"""

import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.read_models import SqlReadModels
from application.mapper import EventMapper
from entrypoints.settings import Settings
from tests.integration.test_read_models_contract import CatalogViewsContract, Shop
from tests.integration.test_read_models_projection_contract import ProjectionContract

HOST, PORT = "127.0.0.1", 5432
URL = f"postgresql+psycopg://postgres@{HOST}:{PORT}/test"


def _reachable() -> bool:
    try:
        socket.create_connection((HOST, PORT), timeout=2).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _reachable(), reason=f"PostgreSQL is not listening on {HOST}:{PORT}")


class PostgresBackend:
    schemas: list[str]

    @pytest.fixture(autouse=True)
    def no_schemas_yet(self) -> None:
        self.schemas = []

    def _new_schema(self) -> str:
        self.schemas.append(f"read_models_test_{uuid.uuid4().hex}")
        return self.schemas[-1]

    def settings(self, tmp_path: Path) -> Settings:
        return Settings(data_dir=str(tmp_path), sqlite_synchronous="NORMAL", read_model_url=URL)

    def schema(self) -> str | None:
        return self._new_schema()

    def spare(self, shop: Shop, mapper: EventMapper | None = None) -> SqlReadModels:
        spare = SqlReadModels(shop.read_models.engine, mapper or shop.container.mapper(), schema=self._new_schema())
        spare.create_tables()
        return spare

    def cleanup(self, shop: Shop) -> None:
        with shop.read_models.engine.begin() as connection:
            for schema in self.schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        shop.read_models.engine.dispose()


class TestPostgresCatalogViews(PostgresBackend, CatalogViewsContract):
    def test_the_views_live_in_their_own_schema(self, shop: Shop) -> None:
        shop.product("Boot")
        with shop.read_models.engine.connect() as connection:
            count = connection.scalar(text(f'SELECT count(*) FROM "{shop.read_models.schema}".rm1_products'))
        assert count == 1


class TestPostgresProjections(PostgresBackend, ProjectionContract):
    pass
