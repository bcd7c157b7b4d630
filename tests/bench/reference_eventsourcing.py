"""Reference workloads measured on the PyPI ``eventsourcing`` library (9.5.6).

Our catalog service is measured on the same workloads by a sibling module; the
benchmark divides the two sets of figures. Here everything goes through the
library's normal API: an ``Aggregate`` subclass with ``@event`` methods, an
``Application`` subclass (get -> command -> save), the default ``JSONTranscoder``
(``Application.register_transcodings`` already registers ``UUIDAsHex``,
``DecimalAsStr`` and ``DatetimeAsISO``, so Decimal amounts need nothing
extra), no aggregate cache (``AGGREGATE_CACHE_MAXSIZE`` unset, the default),
and ``PERSISTENCE_MODULE=eventsourcing.sqlite`` with a file database
(``SQLITE_DBNAME=<path>``) in a temporary directory.

What ``eventsourcing.sqlite`` sets on its connections by default
(``SQLiteConnectionPool._create_connection``):

* ``sqlite3.connect(uri=True, check_same_thread=False, isolation_level=None,
  cached_statements=True, timeout=5)``. ``isolation_level=None`` is autocommit
  mode: every recorder call runs its own explicit ``BEGIN`` (deferred) and
  ends with ``commit()`` or, for reads, ``rollback()``. ``timeout=5`` sets
  ``busy_timeout`` to 5000 ms. ``cached_statements=True`` is a prepared-
  statement cache of size 1 (``True == 1``), not Python's default of 128.
* For file databases only, on the first connection of each pool:
  ``PRAGMA journal_mode;`` and, if the mode isn't already WAL,
  ``PRAGMA journal_mode=WAL;``. WAL mode is stored in the database file, so
  later connections use it too.
* ``row_factory = sqlite3.Row``.
* Nothing else. In particular there's no ``PRAGMA synchronous`` (nor
  ``cache_size``, ``mmap_size``, ``temp_store`` or ``foreign_keys``), so
  ``synchronous`` is whatever SQLite was built with. The CPython build here
  (SQLite 3.40.1, ``DEFAULT_SYNCHRONOUS=2``, ``DEFAULT_WAL_SYNCHRONOUS=2``)
  uses FULL, which fsyncs the WAL on every commit. Call
  :func:`effective_pragmas` to check a given machine.

The library has no setting for ``synchronous``. When a workload gets
``synchronous="NORMAL"`` (or another level), the application is pointed, via
the library's own ``PERSISTENCE_MODULE`` topic mechanism, at
:class:`SynchronousSQLiteFactory`. That is ``SQLiteFactory`` with its
datastore's (still unused) connection pool replaced by
:class:`SynchronousSQLiteConnectionPool`, which runs
``PRAGMA synchronous=<level>`` on each new connection after the library's
own setup. Apart from that one pragma, nothing changes.

Running with ``python -O`` makes replay about 2x faster. Under Python 3.11,
about half of the time to replay events goes to
``assert isinstance(domain_event, CanMutateProtocol)`` in
``eventsourcing.application.project_aggregate``, which is an isinstance check
against a runtime-checkable ``typing.Protocol``; ``-O`` removes the assert.
The figures here use a normal interpreter (no ``-O``).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType, get_topic

from tests.bench.concurrency import seconds_per_operation

DEFAULT_REPEATS = 3
SYNCHRONOUS_LEVELS = frozenset({"OFF", "NORMAL", "FULL", "EXTRA", "0", "1", "2", "3"})
CURRENCIES = ("EUR", "USD", "GBP")
AMOUNTS = tuple(Decimal(f"{units}.{cents:02d}") for units in (9, 19) for cents in (5, 49, 99))


# ---------------------------------------------------------------- domain & app


class Pricing(Aggregate):
    """Base prices of one product, one amount per currency."""

    @event("Created")
    def __init__(self, currency: str, amount: Decimal) -> None:
        self.prices: dict[str, Decimal] = {currency: amount}

    @event("PriceChanged")
    def change_price(self, currency: str, amount: Decimal) -> None:
        self.prices[currency] = amount


class PricingApplication(Application[UUID]):
    """Application service for Pricing aggregates."""

    def create_pricing(self, currency: str, amount: Decimal) -> UUID:
        pricing = Pricing(currency, amount)
        self.save(pricing)
        return pricing.id

    def change_price(self, pricing_id: UUID, currency: str, amount: Decimal) -> None:
        pricing: Pricing = self.repository.get(pricing_id)
        pricing.change_price(currency, amount)
        self.save(pricing)


class SnapshottingPricingApplication(PricingApplication):
    """Same application with the library's snapshot store switched on."""

    is_snapshotting_enabled = True


# ------------------------------------------------ PRAGMA synchronous hook


def _normalise_synchronous(level: str) -> str:
    normalised = level.strip().upper()
    if normalised not in SYNCHRONOUS_LEVELS:
        msg = f"invalid PRAGMA synchronous level {level!r}"
        raise ValueError(msg)
    return normalised


class SynchronousSQLiteConnectionPool(SQLiteConnectionPool):
    """The library's pool, plus ``PRAGMA synchronous=<level>`` on each new connection."""

    def __init__(self, *, synchronous: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.synchronous = _normalise_synchronous(synchronous)

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={self.synchronous};")
        return connection


class SynchronousSQLiteFactory(SQLiteFactory):
    """``SQLiteFactory`` that also reads ``SQLITE_SYNCHRONOUS`` from the environment."""

    SQLITE_SYNCHRONOUS = "SQLITE_SYNCHRONOUS"

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        synchronous = self.env.get(self.SQLITE_SYNCHRONOUS)
        if synchronous:
            self.datastore.pool = self._replacement_pool(self.datastore.pool, synchronous)

    @staticmethod
    def _replacement_pool(
        pool: SQLiteConnectionPool, synchronous: str
    ) -> SynchronousSQLiteConnectionPool:
        # The library's pool opens connections lazily, so it has none yet.
        replacement = SynchronousSQLiteConnectionPool(
            synchronous=synchronous,
            db_name=pool.db_name,
            lock_timeout=pool.lock_timeout,
            pool_size=pool.pool_size,
            max_overflow=pool.max_overflow,
            pool_timeout=pool.pool_timeout,
            max_age=pool.max_age,
            pre_ping=pool.pre_ping,
        )
        pool.close()
        return replacement


# ------------------------------------------------------------------- plumbing


def sqlite_env(db_path: Path, synchronous: str | None = None) -> dict[str, str]:
    """Environment for the library: the stock SQLite module, or the synchronous hook."""
    if synchronous is None:
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db_path)}
    return {
        "PERSISTENCE_MODULE": get_topic(SynchronousSQLiteFactory),
        "SQLITE_DBNAME": str(db_path),
        SynchronousSQLiteFactory.SQLITE_SYNCHRONOUS: _normalise_synchronous(synchronous),
    }


@contextmanager
def _workdir(directory: str | Path | None) -> Iterator[Path]:
    if directory is not None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="es-ref-bench-") as tmp:
        yield Path(tmp)


@contextmanager
def _open_app(
    directory: Path,
    synchronous: str | None,
    app_class: type[PricingApplication] = PricingApplication,
) -> Iterator[PricingApplication]:
    db_path = directory / f"reference-{uuid4().hex}.sqlite"
    app = app_class(env=sqlite_env(db_path, synchronous))
    try:
        yield app
    finally:
        app.close()


def _elapsed(start: float) -> float:
    return time.perf_counter() - start


def _create_history(app: PricingApplication, events: int) -> UUID:
    """Save one Pricing with ``events`` events (create + changes) in one save."""
    pricing = Pricing(CURRENCIES[0], AMOUNTS[0])
    for i in range(1, events):
        pricing.change_price(CURRENCIES[i % len(CURRENCIES)], AMOUNTS[i % len(AMOUNTS)])
    app.save(pricing)
    return pricing.id


def _time_loads(app: PricingApplication, ids: Sequence[UUID], n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        app.repository.get(ids[i % len(ids)])
    return _elapsed(start) / n


# ------------------------------------------------------------------ workloads


def change_price_seconds(
    n: int = 2000,
    *,
    aggregates: int = 100,
    repeats: int = DEFAULT_REPEATS,
    directory: str | Path | None = None,
    synchronous: str | None = None,
) -> float:
    """(a) get -> change_price -> save, round-robin over ``aggregates`` aggregates.

    Each repeat uses a fresh database, so every repeat does the same work.
    Aggregates end up with about ``1 + n / aggregates`` events.
    """
    with _workdir(directory) as workdir:
        return min(_change_price_once(workdir, n, aggregates, synchronous) for _ in range(repeats))


def _change_price_once(workdir: Path, n: int, aggregates: int, synchronous: str | None) -> float:
    with _open_app(workdir, synchronous) as app:
        ids = [app.create_pricing(CURRENCIES[0], AMOUNTS[0]) for _ in range(aggregates)]
        commands = [
            (ids[i % aggregates], CURRENCIES[i % len(CURRENCIES)], AMOUNTS[i % len(AMOUNTS)])
            for i in range(n)
        ]
        start = time.perf_counter()
        for pricing_id, currency, amount in commands:
            app.change_price(pricing_id, currency, amount)
        return _elapsed(start) / n


def create_seconds(
    n: int = 2000,
    *,
    repeats: int = DEFAULT_REPEATS,
    directory: str | Path | None = None,
    synchronous: str | None = None,
    callers: int = 1,
) -> float:
    """(b) create a new Pricing and save it (one event, one transaction); with several
    `callers`, threads sharing the application as a server's do."""
    with _workdir(directory) as workdir, _open_app(workdir, synchronous) as app:
        if callers == 1:
            return min(_create_once(app, n) for _ in range(repeats))
        work = [(CURRENCIES[i % len(CURRENCIES)], AMOUNTS[i % len(AMOUNTS)]) for i in range(n)]
        return min(seconds_per_operation(lambda item: app.create_pricing(*item), work, callers)
                   for _ in range(repeats))


def _create_once(app: PricingApplication, n: int) -> float:
    commands = [(CURRENCIES[i % len(CURRENCIES)], AMOUNTS[i % len(AMOUNTS)]) for i in range(n)]
    start = time.perf_counter()
    for currency, amount in commands:
        app.create_pricing(currency, amount)
    return _elapsed(start) / n


def load_small_seconds(
    n: int = 2000,
    *,
    aggregates: int = 100,
    events_per_aggregate: int = 10,
    repeats: int = DEFAULT_REPEATS,
    directory: str | Path | None = None,
    synchronous: str | None = None,
) -> float:
    """(c) ``app.repository.get(id)`` of 10-event aggregates, round-robin."""
    with _workdir(directory) as workdir, _open_app(workdir, synchronous) as app:
        ids = [_create_history(app, events_per_aggregate) for _ in range(aggregates)]
        return min(_time_loads(app, ids, n) for _ in range(repeats))


def load_large_seconds(
    n: int = 20,
    *,
    snapshot: bool = False,
    events: int = 10_000,
    repeats: int = DEFAULT_REPEATS,
    directory: str | Path | None = None,
    synchronous: str | None = None,
) -> float:
    """(d) ``app.repository.get(id)`` of one aggregate with ``events`` events.

    With ``snapshot=True`` the app has ``is_snapshotting_enabled = True`` and
    ``app.take_snapshot(id)`` runs after the history is built, so each get
    reads the snapshot plus the (zero) events after it.
    """
    app_class = SnapshottingPricingApplication if snapshot else PricingApplication
    with _workdir(directory) as workdir, _open_app(workdir, synchronous, app_class) as app:
        pricing_id = _create_history(app, events)
        if snapshot:
            app.take_snapshot(pricing_id)
        return min(_time_loads(app, [pricing_id], n) for _ in range(repeats))


# -------------------------------------------------------------- diagnostics


def effective_pragmas(synchronous: str | None = None) -> dict[str, str]:
    """Pragmas in effect on a connection the library hands to its recorders."""
    with _workdir(None) as workdir, _open_app(workdir, synchronous) as app:
        factory = app.factory
        assert isinstance(factory, SQLiteFactory)
        with factory.datastore.transaction(commit=False) as cursor:
            return {
                name: str(_pragma(cursor, name))
                for name in ("journal_mode", "synchronous", "busy_timeout")
            }


def _pragma(cursor: SQLiteCursor, name: str) -> object:
    cursor.execute(f"PRAGMA {name};")
    return cursor.fetchone()[0]


def sqlite_commit_seconds(
    synchronous: str,
    n: int = 500,
    *,
    repeats: int = DEFAULT_REPEATS,
    directory: str | Path | None = None,
) -> float:
    """Cost per commit of a one-row INSERT with plain sqlite3 in WAL mode.

    Shows how much of a write is the disk's fsync (FULL) rather than SQLite or
    Python (NORMAL doesn't sync on commit in WAL mode).
    """
    level = _normalise_synchronous(synchronous)
    with _workdir(directory) as workdir:
        conn = sqlite3.connect(workdir / f"commit-{uuid4().hex}.sqlite", isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL;")
            conn.execute(f"PRAGMA synchronous={level};")
            conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
            return min(_commit_once(conn, n) for _ in range(repeats))
        finally:
            conn.close()


def _commit_once(conn: sqlite3.Connection, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (payload) VALUES (?)", ("x",))
        conn.execute("COMMIT")
    return _elapsed(start) / n


# ----------------------------------------------------------------------- main


def _report(label: str, seconds: float) -> None:
    print(f"  {label:<44} {seconds * 1e6:10.1f} us/op")


def main() -> None:
    started = time.perf_counter()
    print(f"SQLite {sqlite3.sqlite_version}")
    print(f"library default pragmas: {effective_pragmas()}")
    print(f"with synchronous=NORMAL: {effective_pragmas('NORMAL')}")
    for synchronous in (None, "NORMAL"):
        print(f"eventsourcing 9.5.6 reference, synchronous={synchronous or 'library default'}")
        _report(
            "(a) change_price get+change+save", change_price_seconds(200, synchronous=synchronous)
        )
        _report("(b) create+save", create_seconds(200, synchronous=synchronous))
        _report("(c) load 10-event aggregate", load_small_seconds(200, synchronous=synchronous))
        _report("(d) load 10k-event aggregate", load_large_seconds(3, synchronous=synchronous))
        _report(
            "(d) load 10k-event aggregate, snapshot",
            load_large_seconds(20, snapshot=True, synchronous=synchronous),
        )
    print("plain sqlite3 commit (WAL, one-row insert)")
    for level in ("FULL", "NORMAL"):
        _report(f"synchronous={level}", sqlite_commit_seconds(level, 200))
    print(f"total run time: {_elapsed(started):.1f} s")


if __name__ == "__main__":
    main()
