"""A rebuild helped by forked processes, each replaying a share of the projections: the views it
makes, its progress, the commands committed meanwhile, and every way a helper can fail.

Runs on the embedded SQLite files and with the views on the real PostgreSQL (a database of
its own per test: the helpers build their stores from the settings alone, as the CLI's do).
"""

import os
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from application.projections import REBUILD_SHARES
from domain import commands
from entrypoints.containers import build_container, init_stores
from entrypoints.rebuild_helpers import ForkedRebuildHelpers, RebuildHelperFailed
from entrypoints.settings import Settings
from tests.integration.test_read_models_contract import Shop
from tests.integration.test_read_models_postgres import HOST, PORT, _reachable
from tests.integration.test_read_models_projection_contract import a_small_catalog, table_names

POSTGRES_ADMIN = f"postgresql://postgres@{HOST}:{PORT}/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=str(tmp_path), sqlite_synchronous="NORMAL")
        return
    if not _reachable():
        pytest.skip(f"PostgreSQL is not listening on {HOST}:{PORT}")
    name = f"rebuild_helpers_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(data_dir=str(tmp_path), sqlite_synchronous="NORMAL",
                       read_model_url=f"postgresql+psycopg://postgres@{HOST}:{PORT}/{name}")
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shares(request: pytest.FixtureRequest) -> tuple[tuple[str, ...], ...]:
    return getattr(request, "param", REBUILD_SHARES)


@pytest.fixture
def helpers(settings: Settings, shares: tuple[tuple[str, ...], ...]) -> Iterator[ForkedRebuildHelpers]:
    with ForkedRebuildHelpers(settings, shares) as forked:  # before the shop opens the stores
        yield forked


@pytest.fixture
def shop(settings: Settings, helpers: ForkedRebuildHelpers) -> Iterator[Shop]:
    shop = Shop(settings)
    yield shop
    shop.read_models.engine.dispose()


def test_a_helped_rebuild_replays_the_feed_into_the_same_views(shop: Shop, helpers: ForkedRebuildHelpers) -> None:
    a_small_catalog(shop, products=12)
    before, old = shop.everything(), shop.read_models.live_generation()
    assert shop.projector.rebuild(batch=7, helpers=helpers) == len(shop.feed())
    assert shop.read_models.live_generation() == old + 1
    assert shop.everything() == before
    assert not {name for name in table_names(shop.read_models) if name.startswith(f"rm{old}_")}
    assert shop.projector.rebuild(batch=7, helpers=helpers) == len(shop.feed())  # the helpers serve again
    assert shop.everything() == before


def test_a_helped_rebuild_reports_its_progress_to_the_end(shop: Shop, helpers: ForkedRebuildHelpers) -> None:
    a_small_catalog(shop)
    calls: list[tuple[int, int]] = []
    shop.projector.rebuild(batch=4, on_progress=lambda done, total: calls.append((done, total)), helpers=helpers)
    events = len(shop.feed())
    assert calls[-1] == (events, events)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_commands_committed_while_helpers_replay_show_in_the_new_views(shop: Shop,
                                                                       helpers: ForkedRebuildHelpers) -> None:
    product_id = a_small_catalog(shop)[0]
    boots = shop.category("Boots")

    class ThenCommands:
        """The helpers' replay, then commands the helpers never saw: this process projects them."""

        def replay(self, generation: int, batch: int, waiting: Callable[[], object]) -> None:
            helpers.replay(generation, batch, waiting)
            shop.do(commands.UpdateProductDetails(product_id, name="Renamed"),
                    commands.AddProductToCategory(product_id, boots))

    shop.projector.rebuild(batch=5, helpers=ThenCommands())
    view = shop.view(product_id)
    assert view is not None and view["name"] == "Renamed" and boots in view["categoryIds"]
    assert shop.read_models.category(boots)["productCount"] == 1  # type: ignore[index]
    assert shop.projector.lag() == 0


@pytest.mark.parametrize("shares", [(("catalog",), ("no_such_view",))], indirect=True)
def test_a_helper_that_fails_fails_the_rebuild_and_the_live_views_stay(shop: Shop,
                                                                        helpers: ForkedRebuildHelpers) -> None:
    a_small_catalog(shop)
    before, live, pids = shop.everything(), shop.read_models.live_generation(), helpers.pids
    with pytest.raises(RebuildHelperFailed, match="no such projections: no_such_view"):
        shop.projector.rebuild(helpers=helpers)
    for pid in pids:  # every helper stopped and reaped: none is left writing
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert shop.read_models.live_generation() == live
    assert shop.everything() == before
    assert not {name for name in table_names(shop.read_models) if name.startswith(f"rm{live + 1}_")}
    with pytest.raises(RebuildHelperFailed, match="stopped"):
        shop.projector.rebuild(helpers=helpers)


def test_a_helper_that_dies_fails_the_rebuild_rather_than_hanging(shop: Shop, helpers: ForkedRebuildHelpers) -> None:
    a_small_catalog(shop)
    before, live = shop.everything(), shop.read_models.live_generation()
    os.kill(helpers.pids[0], signal.SIGKILL)
    with pytest.raises(RebuildHelperFailed, match=r"stopped \(exit code -9\)"):
        shop.projector.rebuild(helpers=helpers)
    assert shop.read_models.live_generation() == live
    assert shop.everything() == before
    assert shop.projector.rebuild() == len(shop.feed())  # alone, this process still rebuilds
    assert shop.everything() == before


def test_a_share_of_the_live_generation_is_refused(shop: Shop) -> None:
    with pytest.raises(ValueError, match="is live"):
        shop.read_models.rebuild_part(shop.read_models.live_generation(), ["catalog"])


def test_helpers_refuse_to_fork_once_this_process_has_the_sqlite_files_open(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path), sqlite_synchronous="NORMAL")
    container = build_container(settings)
    init_stores(container)
    container.event_store().feed_head(0)
    try:
        with pytest.raises(RuntimeError, match="before this process opens a store"):
            ForkedRebuildHelpers(settings)
    finally:
        container.read_model_engine().dispose()
        container.sqlite_database().close()


def test_a_helper_whose_rebuild_is_gone_exits_quietly(tmp_path: Path) -> None:
    """The rebuilding process died (its end of the pipe closed, nothing sent): no helper is left."""
    helpers = ForkedRebuildHelpers(Settings(data_dir=str(tmp_path)))
    processes = list(helpers._helpers)
    for pipe, _ in processes:
        pipe.close()
    for _, process in processes:
        process.join(10)
        assert process.exitcode == 0
