"""The views do not depend on how the shards of the feed interleave.

With more than one feed shard (DynamoDB's default is 4) a product's stream and its prices'
stream usually lie in different shards, and nothing orders one shard against another: the
embedded projection applies events about in commit order, the projection runner a batch
sorted by shard, a rebuild one shard after the other. Found by the fault soak: a rebuild that
replayed a product's deletion before its price changes kept price rows the live views had
dropped. Every order must give the same tables.
"""

import itertools
from collections.abc import Iterator
from pathlib import Path

from adapters.read_models import SqlReadModels
from application.envelope import StoredEvent
from application.projections import Projector
from domain import commands
from domain.pricing import pricing_id
from entrypoints.settings import Settings
from tests.integration.test_read_models_contract import Shop
from tests.soak.checks import read_model_tables


class ShardedFeed:
    """The events of a one-shard feed, spread over two shards the way a sharded store spreads
    streams: prices on shard 1, everything else on shard 0, each shard in commit order."""

    def __init__(self, events: list[StoredEvent], pricing_streams: set[str]) -> None:
        positions: dict[int, Iterator[int]] = {0: itertools.count(1), 1: itertools.count(1)}
        self.events = []
        for event in events:
            shard = 1 if event.entity_id in pricing_streams else 0
            self.events.append(event._replace(shard=shard, position=next(positions[shard])))

    def read_feed(self, shard: int, after_position: int, limit: int = 1000) -> list[StoredEvent]:
        return [e for e in self.events if e.shard == shard and e.position > after_position][:limit]

    def feed_shards(self) -> int:
        return 2

    def feed_head(self, shard: int) -> int:
        return sum(1 for event in self.events if event.shard == shard)


def test_a_rebuild_shard_after_shard_gives_the_tables_the_views_had_in_commit_order(tmp_path: Path):
    shop = Shop(Settings(data_dir=str(tmp_path), sqlite_synchronous="NORMAL"))
    shoes = shop.category("Shoes")
    boot, clog = shop.product("Boot", shoes), shop.product("Clog", shoes)
    for product in (boot, clog):
        shop.price(product, "19.99")
        shop.discount(product, "percentage", "10")
        shop.price(product, "17.99")
    shop.do(commands.DeleteProduct(boot))  # after its prices, in commit order; before them on replay
    feed = ShardedFeed(shop.feed(), {pricing_id(boot), pricing_id(clog)})
    views = SqlReadModels(f"sqlite:///{tmp_path / 'sharded.db'}", shop.container.mapper())
    views.create_tables()
    for event in feed.events:  # as the embedded projection: right after each commit
        views.project([event])
    in_commit_order = read_model_tables(views.engine)

    Projector(feed, views).rebuild()  # type: ignore[arg-type]

    assert read_model_tables(views.engine) == in_commit_order
