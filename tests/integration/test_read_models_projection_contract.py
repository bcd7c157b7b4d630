"""How the projections keep the views: exactly-once effect, checkpoints, lag, upcasting, rebuild.

Collected only through the `ReadModelsBackend` subclasses that name a database.
"""

import abc
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect

from adapters.read_models import SqlReadModels
from application.envelope import StoredEvent
from application.mapper import EventMapper
from application.projections import PROJECTIONS, ProjectionGap, Projector
from domain import commands
from domain.events import ALL_EVENTS
from tests.integration.test_read_models_contract import CONTEXT, NOW, ReadModelsBackend, Shop


def a_small_catalog(shop: Shop, products: int = 4) -> list[str]:
    """Categories, products with prices and discounts, and a few changes to each."""
    clothes = shop.category("Clothes")
    shoes = shop.category("Shoes", clothes)
    ids = []
    for number in range(products):
        product_id = shop.product(f"Product {number}", shoes if number % 2 else clothes, attributes={"n": number})
        shop.price(product_id, f"{10 + number}.50")
        shop.price(product_id, f"{20 + number}.00", effective_from=NOW + timedelta(days=number + 1))
        shop.discount(product_id, "percentage", "10")
        shop.do(commands.ActivateProduct(product_id))
        ids.append(product_id)
    shop.do(commands.DeleteProduct(ids[-1]), commands.RenameCategory(shoes, "Footwear"))
    return ids


def table_names(read_models: SqlReadModels) -> set[str]:
    return set(inspect(read_models.engine).get_table_names(schema=read_models.schema))


class ProjectionContract(ReadModelsBackend, abc.ABC):
    # exactly-once effect

    def test_the_views_keep_up_with_each_command(self, shop: Shop) -> None:
        a_small_catalog(shop)
        assert shop.read_models.checkpoints() == {0: len(shop.feed())}
        assert shop.projector.lag() == 0

    def test_projecting_the_same_events_again_changes_nothing(self, shop: Shop) -> None:
        a_small_catalog(shop)
        before, feed = shop.everything(), shop.feed()
        shop.read_models.project(feed)
        shop.read_models.project(feed[5:12])
        assert shop.projector.catch_up() == 0
        assert shop.everything() == before
        assert shop.read_models.checkpoints() == {0: len(feed)}

    def test_a_batch_that_fails_leaves_neither_its_rows_nor_its_checkpoint(self, shop: Shop) -> None:
        a_small_catalog(shop)
        feed, spare = shop.feed(), self.spare(shop)
        spare.project(feed[:3])
        with pytest.raises(ProjectionGap):
            spare.project(feed[3:6] + feed[7:8])  # position 7 is not next after 6
        assert spare.checkpoints() == {0: 3}
        assert spare.product(feed[3].entity_id, NOW) is None
        Projector(shop.container.event_store(), spare).catch_up()
        assert shop.everything(spare) == shop.everything()

    def test_another_instance_continues_from_the_stored_checkpoint(self, shop: Shop) -> None:
        a_small_catalog(shop)
        feed, crashed = shop.feed(), self.spare(shop)
        crashed.project(feed[:10])
        restarted = SqlReadModels(crashed.engine, shop.container.mapper(), schema=crashed.schema)
        assert restarted.checkpoints() == {0: 10}
        assert Projector(shop.container.event_store(), restarted).catch_up(batch=4) == len(feed) - 10
        assert shop.everything(restarted) == shop.everything()

    def test_a_command_succeeds_even_when_projecting_it_fails(self, shop: Shop) -> None:
        boot = shop.product("Boot")
        shop.read_models.drop_tables()
        shop.do(commands.UpdateProductDetails(boot, name="Renamed"))  # committed: the failure is only logged
        shop.read_models.create_tables()
        assert shop.projector.catch_up() == 2
        assert shop.view(boot)["name"] == "Renamed"  # type: ignore[index]

    def test_lag_counts_the_events_not_yet_projected(self, shop: Shop) -> None:
        a_small_catalog(shop)
        projector = Projector(shop.container.event_store(), self.spare(shop))
        events = len(shop.feed())
        assert projector.lag() == events
        assert [status.lag for status in projector.status()] == [events] * 3
        projector.catch_up(batch=5)
        assert projector.lag() == 0
        assert {status.name: status.checkpoints for status in projector.status()} == {
            "catalog": {0: events}, "category_tree": {0: events}, "price_history": {0: events}}

    def test_events_of_an_old_schema_are_upcast_before_they_are_projected(self, shop: Shop) -> None:
        product_id = str(uuid.uuid4())
        shop.container.event_store().append(product_id, 0, [old_product_created(product_id)])
        upcasters = {("ProductCreated", 0): lambda data: {**{k: v for k, v in data.items() if k != "title"},
                                                          "name": data["title"]}}
        spare = self.spare(shop, EventMapper(ALL_EVENTS, upcasters))
        Projector(shop.container.event_store(), spare).catch_up()
        assert spare.product(product_id, NOW)["name"] == "Old boot"  # type: ignore[index]

    def test_concurrent_commands_are_all_projected_in_order(self, shop: Shop) -> None:
        shoes = shop.category("Shoes")

        def create_products(worker: int) -> None:
            for number in range(8):
                shop.product(f"Product {worker}-{number}", shoes)

        workers = [threading.Thread(target=create_products, args=(worker,)) for worker in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(shop.listed()) == 32
        assert shop.read_models.category(shoes)["productCount"] == 32  # type: ignore[index]
        assert shop.read_models.checkpoints() == {0: 33}

    def test_two_processes_sharing_the_views_each_read_their_own_writes_at_once(self, shop: Shop) -> None:
        other = Shop(self.settings(shop.data_dir), shop.read_models.schema)  # a second server process
        try:
            boot = shop.product("Boot")
            for number in range(6):
                writer = (shop, other)[number % 2]
                writer.do(commands.UpdateProductDetails(boot, name=f"Boot {number}"))
                assert writer.view(boot)["name"] == f"Boot {number}"  # type: ignore[index]
            assert shop.read_models.checkpoints() == {0: len(shop.feed())}
        finally:
            other.read_models.engine.dispose()

    def test_views_made_anew_behind_what_the_process_saw_are_caught_up_by_the_next_command(self, shop: Shop) -> None:
        a_small_catalog(shop)
        before = shop.everything()
        shop.read_models.drop_tables()
        shop.read_models.create_tables()  # empty, checkpoints at 0; the projector saw far more
        boot = shop.product("Boot")
        assert shop.read_models.checkpoints() == {0: len(shop.feed())}
        after = shop.everything()
        assert after["tree"] == before["tree"]
        assert after["products"][:-1] == before["products"]
        assert shop.view(boot)["name"] == "Boot"  # type: ignore[index]

    # rebuild by replay

    def test_a_rebuild_replays_the_feed_into_the_same_views(self, shop: Shop) -> None:
        a_small_catalog(shop)
        before, old = shop.everything(), shop.read_models.live_generation()
        assert shop.projector.rebuild() == len(shop.feed())
        assert shop.read_models.live_generation() == old + 1
        assert shop.everything() == before
        assert not {name for name in table_names(shop.read_models) if name.startswith(f"rm{old}_")}

    def test_a_rebuild_reports_its_progress(self, shop: Shop) -> None:
        a_small_catalog(shop)
        calls: list[tuple[int, int]] = []
        shop.projector.rebuild(batch=4, on_progress=lambda done, total: calls.append((done, total)))
        events = len(shop.feed())
        assert calls[-1] == (events, events)
        assert [done for done, _ in calls] == sorted(done for done, _ in calls)
        assert all(done <= total for done, total in calls)

    def test_queries_keep_answering_during_a_rebuild(self, shop: Shop) -> None:
        a_small_catalog(shop, products=12)
        expected, answers, failures = shop.everything(), [], []
        rebuilt = threading.Event()

        def query_until_rebuilt() -> None:
            while not rebuilt.is_set():
                try:
                    answers.append(shop.everything() == expected)
                except Exception as error:  # noqa: BLE001 - the test reports every failure
                    failures.append(error)

        reader = threading.Thread(target=query_until_rebuilt)
        reader.start()
        try:
            shop.projector.rebuild(batch=3, on_progress=lambda *_: time.sleep(0.005))
            time.sleep(0.05)  # a few queries on the new generation, too
        finally:
            rebuilt.set()
            reader.join()
        assert failures == []
        assert answers and all(answers)

    def test_commands_during_a_rebuild_show_in_the_new_views(self, shop: Shop) -> None:
        product_id = a_small_catalog(shop)[0]

        def rename_once(done: int, total: int) -> None:
            if done == 3:
                shop.bus.handle(commands.UpdateProductDetails(product_id, name="Renamed"), CONTEXT)

        shop.projector.rebuild(batch=3, on_progress=rename_once)
        assert shop.view(product_id)["name"] == "Renamed"  # type: ignore[index]
        assert shop.projector.lag() == 0

    def test_a_batch_made_before_its_transaction_is_made_again_if_its_checkpoints_moved(self, shop: Shop) -> None:
        a_small_catalog(shop)
        before, feed = shop.everything(), shop.feed()
        target = shop.read_models.start_rebuild()
        target.project(feed[:3])  # its next batch is made from these checkpoints, before its transaction
        other = shop.read_models.rebuild_part(target.generation, [projection.name for projection in PROJECTIONS])
        other.project(feed[3:8])
        target.project(feed[3:6])  # made from position 3, then again from 8: nothing left to apply
        assert target.checkpoints() == {0: 8}
        target.project(feed[3:12])
        target.project(feed[12:])
        assert target.checkpoints() == {0: len(feed)}
        target.go_live()
        assert shop.everything() == before

    def test_a_share_names_projections_that_exist(self, shop: Shop) -> None:
        target = shop.read_models.start_rebuild()
        with pytest.raises(ValueError, match="no such projections: catalogue"):
            shop.read_models.rebuild_part(target.generation, ["catalog", "catalogue"])
        with pytest.raises(ValueError, match="none named"):
            shop.read_models.rebuild_part(target.generation, [])
        target.discard()

    def test_a_failed_rebuild_leaves_the_live_views_as_they_were(self, shop: Shop) -> None:
        a_small_catalog(shop)
        before, live = shop.everything(), shop.read_models.live_generation()

        def fail(done: int, total: int) -> None:
            raise RuntimeError("the disk is full")

        with pytest.raises(RuntimeError):
            shop.projector.rebuild(on_progress=fail)
        assert shop.read_models.live_generation() == live
        assert shop.everything() == before
        assert not {name for name in table_names(shop.read_models) if name.startswith(f"rm{live + 1}_")}


def old_product_created(product_id: str) -> StoredEvent:
    """A ProductCreated as an older version of the code wrote it: `title`, not `name`."""
    data: dict[str, Any] = {"sku": "OLD-1", "title": "Old boot", "description": "", "brand": "",
                            "attributes": {}, "categoryIds": []}
    return StoredEvent(product_id, 1, str(uuid.uuid4()), "ProductCreated", 0, "product", data, NOW, "legacy",
                       "request-0", "command-0")
