"""Commands on one entity take turns inside a process instead of racing and retrying."""

import threading
import time

from application.unit_of_work import UnitOfWork
from domain.commands import SetPrice
from domain.pricing import pricing_id
from tests.unit.catalog import BOOT, SHOES, Catalog
from tests.unit.given import PRODUCT_ID
from tests.unit.test_handlers import attempts_of

THREADS, COMMANDS_EACH = 8, 5


class SlowUnitOfWork(UnitOfWork):
    """Decides, then takes a while to commit: ample time for a racing writer to get in between."""

    def commit(self):  # type: ignore[no-untyped-def]
        time.sleep(0.002)
        return super().commit()


def test_concurrent_commands_on_one_product_are_each_carried_out_once_without_a_lost_race():
    catalog = Catalog(unit_of_work=SlowUnitOfWork)
    catalog.handle(SHOES, BOOT)
    started = attempts_of(catalog)
    go = threading.Barrier(THREADS)

    def change_prices(thread: int) -> None:
        go.wait()
        for number in range(COMMANDS_EACH):
            catalog.handle(SetPrice(PRODUCT_ID, f"{thread + 1}.{number:02d}", "EUR"))

    threads = [threading.Thread(target=change_prices, args=(thread,)) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(started) == THREADS * COMMANDS_EACH  # one attempt each: none lost a race and ran again
    assert len(catalog.stream(pricing_id(PRODUCT_ID))) == THREADS * COMMANDS_EACH
