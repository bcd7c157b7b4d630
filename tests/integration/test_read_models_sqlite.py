"""The read model contracts on SQLite files, the embedded default."""

import uuid
from pathlib import Path

from adapters.read_models import SqlReadModels
from application.mapper import EventMapper
from entrypoints.containers import init_read_models
from entrypoints.settings import Settings
from tests.integration.test_read_models_contract import CatalogViewsContract, Shop
from tests.integration.test_read_models_projection_contract import ProjectionContract, a_small_catalog, table_names


class SqliteBackend:
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(data_dir=str(tmp_path), sqlite_synchronous="NORMAL")

    def spare(self, shop: Shop, mapper: EventMapper | None = None) -> SqlReadModels:
        url = f"sqlite:///{shop.data_dir / f'spare-{uuid.uuid4().hex}.db'}"
        spare = SqlReadModels(url, mapper or shop.container.mapper())
        spare.create_tables()
        return spare


class TestSqliteCatalogViews(SqliteBackend, CatalogViewsContract):
    def test_the_views_live_in_the_configured_file(self, shop: Shop) -> None:
        shop.product("Boot")
        assert (shop.data_dir / "read_models.db").stat().st_size > 0
        assert shop.read_models.engine.url.database == str(shop.data_dir / "read_models.db")

    def test_a_product_is_read_from_the_generation_the_pointer_names_now(self, shop: Shop) -> None:
        """A product's read runs one statement on the generation it last found live, which
        reads the pointer too: once the pointer names another, that one answers."""
        boot = shop.product("Boot")
        assert shop.view(boot)["name"] == "Boot"  # type: ignore[index]
        fresh = shop.read_models.start_rebuild()
        fresh.project(shop.feed())
        with shop.read_models.engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE rm{fresh.generation}_products SET name = 'Boot, rebuilt'")
            connection.exec_driver_sql(f"UPDATE rm_live SET generation = {fresh.generation}")  # the old tables stay
        assert shop.view(boot)["name"] == "Boot, rebuilt"  # type: ignore[index]
        with shop.read_models.engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE rm_live SET generation = {fresh.generation - 1}")
        assert shop.view(boot)["name"] == "Boot"  # type: ignore[index]
        fresh.go_live()  # and drops the generation the read last found live
        assert shop.view(boot)["name"] == "Boot, rebuilt"  # type: ignore[index]

    def test_freed_pages_are_not_zeroed_at_the_cost_of_more_writes(self, shop: Shop) -> None:
        """secure_delete FAST (2), whatever the library's default: Debian's zeroes every freed
        page, and a rebuild's drop of the old generation then wrote each of its pages again."""
        with shop.read_models.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 2


class TestSqliteProjections(SqliteBackend, ProjectionContract):
    def test_setting_up_the_tables_again_keeps_the_views(self, shop: Shop) -> None:
        a_small_catalog(shop)
        before = shop.everything()
        init_read_models(shop.container)
        assert shop.everything() == before

    def test_dropping_the_tables_leaves_none(self, shop: Shop) -> None:
        a_small_catalog(shop)
        shop.projector.rebuild()
        shop.read_models.drop_tables()
        # what remains belongs to the HTTP layer (answers to idempotent commands), not the read models
        assert table_names(shop.read_models) == {"command_responses"}
