"""What a rebuild changes while it runs and must put back: the cyclic garbage collector, paused
while a batch is read and projected, and SQLite's page cache on the connection that writes a
batch of the new generation (its durability stays as for every other write)."""

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.read_models.engine import create_read_model_engine, writing
from application.envelope import StoredEvent
from application.ports import EventStore
from application.projections import Projector
from entrypoints.settings import Settings
from tests.integration.test_read_models_contract import Shop
from tests.integration.test_read_models_projection_contract import a_small_catalog


class WatchedFeed:
    """The shop's feed, noting whether the garbage collector ran while each batch was read."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.collector_enabled: list[bool] = []

    def read_feed(self, shard: int, after_position: int, limit: int = 1000) -> list[StoredEvent]:
        self.collector_enabled.append(gc.isenabled())
        return self.store.read_feed(shard, after_position, limit)

    def feed_shards(self) -> int:
        return self.store.feed_shards()

    def feed_head(self, shard: int) -> int:
        return self.store.feed_head(shard)


@pytest.fixture
def shop(tmp_path: Path) -> Shop:
    shop = Shop(Settings(data_dir=str(tmp_path), sqlite_synchronous="NORMAL"))
    a_small_catalog(shop)
    return shop


@pytest.fixture
def collector_disabled() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_the_collector_waits_while_each_batch_is_projected_and_runs_again_after(shop: Shop) -> None:
    feed = WatchedFeed(shop.container.event_store())
    before = shop.everything()
    Projector(feed, shop.read_models).rebuild(batch=5)  # type: ignore[arg-type]
    assert len(feed.collector_enabled) > 3 and not any(feed.collector_enabled)
    assert gc.isenabled()
    assert shop.everything() == before


def test_a_rebuild_leaves_a_collector_turned_off_turned_off(shop: Shop, collector_disabled: None) -> None:
    shop.projector.rebuild(batch=5)
    assert not gc.isenabled()


def test_bulk_writes_get_a_large_page_cache_and_give_it_back_even_when_they_fail(tmp_path: Path) -> None:
    engine = create_read_model_engine(f"sqlite:///{tmp_path / 'views.db'}")
    with pytest.raises(RuntimeError), writing(engine, bulk=True) as connection:
        driver = connection.connection.driver_connection
        assert driver.execute("PRAGMA cache_size").fetchone() == (-128 * 1024,)
        assert driver.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        assert driver.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL: the live tables share the file
        raise RuntimeError("the batch failed")
    assert driver.execute("PRAGMA cache_size").fetchone() == (-2000,)
    assert driver.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
