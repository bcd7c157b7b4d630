"""The read models in SQL through SQLAlchemy Core: SQLite, PostgreSQL or any other database.

Queries read the live generation of the tables; the projector writes to it, each batch with
the projections' checkpoints in one transaction; a rebuild fills the next generation and
swaps it in (see `generations`).
"""

import contextlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError

from adapters.read_models import queries
from adapters.read_models.engine import create_read_model_engine, reading, translated_errors, writing
from adapters.read_models.generations import NOT_SET_UP, Generations
from adapters.read_models.prepared import PreparedReads
from adapters.read_models.schema import CHECKPOINTS, Generation
from adapters.read_models.writer import Checkpoints, ProjectionWriter, read_checkpoints
from adapters.sqlite.engine import SQLiteDatabase
from application.envelope import StoredEvent
from application.errors import StoreUnavailable
from application.mapper import EventMapper
from application.projections import PROJECTIONS, Projection, ProjectionGap
from application.projections.categories import find_category
from application.read_models import Page, ProductFilter, ReadModels, ReadModelsRebuild

T = TypeVar("T")


class SqlReadModels(ReadModels):
    def __init__(self, engine: Engine | str, mapper: EventMapper, schema: str | None = None) -> None:
        """`engine`: best made by `create_read_model_engine` (or give its URL); `schema`: a
        database schema to keep the tables in (PostgreSQL) instead of the default one."""
        self.engine = create_read_model_engine(engine) if isinstance(engine, str) else engine
        self.mapper = mapper
        self.schema = schema
        self.generations = Generations(self.engine, schema)
        self.writer = ProjectionWriter(mapper)
        # SQLite: the projector's writes and the prepared reads on per-thread driver connections
        self._sqlite = SQLiteDatabase(self.engine) if self.engine.dialect.name == "sqlite" else None
        self._prepared = PreparedReads(self.engine, self._sqlite)
        self._seen_live: int | None = None  # the live generation as the last one-statement read found it

    def create_tables(self) -> None:
        """Creates the tables that are missing; harmless to run again."""
        self.generations.create()

    def drop_tables(self) -> None:
        """Drops every table of the read models (tests, decommissioning)."""
        self.generations.drop()

    def live_generation(self) -> int:
        """The number of the generation that queries read now."""
        with translated_errors(), reading(self.engine) as connection:
            return self.generations.live(connection)

    # projections

    def project(self, events: Sequence[StoredEvent]) -> None:
        """See the port. Raises ProjectionGap if an event lies past a checkpoint's next position.

        On SQLite (after every command in embedded mode) on this thread's driver connection, in
        the writers' turn across processes: a pooled connection and its transaction would cost
        more than the rows. BEGIN IMMEDIATE keeps a swap of generations out meanwhile."""
        if not events:
            return
        dialect = self.engine.dialect
        if self._sqlite is not None:
            with translated_errors(), self._sqlite.write() as cursor:
                driver = cursor.connection
                self.writer.apply(driver, dialect, self.generations.tables(self.generations.live_on(driver)), events)
            return
        with translated_errors(), writing(self.engine) as connection:
            driver = connection.connection.driver_connection
            live = self.generations.tables(self.generations.live_on(driver, lock=True))
            self.writer.apply(driver, dialect, live, events)

    def checkpoints(self) -> dict[int, int]:
        return _lowest(self.projection_checkpoints())

    def projection_checkpoints(self) -> dict[str, dict[int, int]]:
        """Read on every catch-up (after each command in embedded mode): a prepared query."""
        def query(connection: Any, tables: Generation) -> dict[str, dict[int, int]]:
            table = tables[CHECKPOINTS]
            rows = self._prepared.rows(connection, (tables.number, CHECKPOINTS),
                                       lambda: select(table.c.projection, table.c.shard, table.c.position))
            return _by_projection({(row["projection"], row["shard"]): row["position"] for row in rows})

        return self._read_prepared(query)

    def start_rebuild(self) -> ReadModelsRebuild:
        return SqlReadModelsRebuild(self, self.generations.start_next())

    def rebuild_part(self, generation: int, projections: Sequence[str]) -> ReadModelsRebuild:
        """See the port. Raises ValueError for a name that is no projection's, and
        StoreUnavailable (on its first write) if the generation is not being rebuilt."""
        by_name = {projection.name: projection for projection in PROJECTIONS}
        unknown = [name for name in projections if name not in by_name]
        if unknown or not projections:
            raise ValueError(f"no such projections: {', '.join(unknown) or '(none named)'}")
        if generation == self.live_generation():
            raise ValueError(f"generation {generation} is live: only the one being rebuilt takes a share")
        return SqlReadModelsRebuild(self, self.generations.tables(generation),
                                    ProjectionWriter(self.mapper, [by_name[name] for name in projections]))

    # queries

    def product(self, product_id: str, now: datetime) -> dict[str, Any] | None:
        """The hottest read of the API: on SQLite its one statement (`queries.product_at_once`)
        reads one snapshot without a transaction around it; elsewhere five prepared queries do,
        in one."""
        if self._prepared.one_statement_reads:
            return self._product_at_once(product_id, now)
        return self._read_prepared(lambda connection, tables: queries.product(connection, tables, self._prepared,
                                                                              product_id, now))

    def products(self, where: ProductFilter, cursor: str | None, limit: int, now: datetime) -> Page:
        """See the port; ordered by name, then id. Raises ValueError for price bounds without a
        currency, a limit below 1 or a cursor this API did not issue. A currency alone keeps
        the products that have a price in it at `now`."""
        if where.currency is None and (where.min_price is not None or where.max_price is not None):
            raise ValueError("minPrice and maxPrice need a currency")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        queries.decode_cursor(cursor)
        return self._read(lambda connection, tables: queries.products(connection, tables, where, cursor, limit, now))

    def category(self, category_id: str) -> dict[str, Any] | None:
        """See the port; the view carries its subtree in `children`."""
        return find_category(self.category_tree(), category_id)

    def category_tree(self) -> list[dict[str, Any]]:
        return self._read(queries.category_forest)

    def price_history(self, product_id: str) -> list[dict[str, Any]]:
        return self._read(lambda connection, tables: queries.price_history_of(connection, tables, product_id))

    def _read(self, query: Callable[[Connection, Generation], T]) -> T:
        """Runs the query on the live generation; once more should a swap have dropped it
        between reading the pointer and reading its tables."""
        with translated_errors():
            try:
                return self._read_live(query)
            except DBAPIError:
                return self._read_live(query)

    def _read_live(self, query: Callable[[Connection, Generation], T]) -> T:
        with reading(self.engine) as connection:
            return query(connection, self.generations.tables(self.generations.live(connection)))

    def _product_at_once(self, product_id: str, now: datetime) -> dict[str, Any] | None:
        """SQLite: the statement reads the generation last seen live and the pointer row, in
        one snapshot, so the pointer needs no statement of its own; should it name another
        generation (a rebuild swapped them), the statement runs again on that one. Should the
        generation read be gone (dropped after a swap), the pointer is read first once more."""
        connection = self._prepared.statement()
        for _ in range(3):  # a swap between two statements, twice over, is not worth a fourth
            assumed = self._seen_live
            try:
                if assumed is None:
                    assumed = self.generations.live_on(connection)
                live, view = queries.product_at_once(connection, self.generations.tables(assumed),
                                                     self.generations.live_query, self._prepared, product_id, now)
            except StoreUnavailable:
                if self._seen_live is None:
                    raise
                self._seen_live = None
                continue
            if live is None:
                raise StoreUnavailable(NOT_SET_UP)
            self._seen_live = live
            if live == assumed:
                return view
        raise StoreUnavailable("the read models' generations changed under every read: retry")

    def _read_prepared(self, query: Callable[[Any, Generation], T]) -> T:
        """Runs prepared queries on the live generation (on a driver connection), in one
        snapshot; once more should a swap have dropped the generation between reading the
        pointer and reading its tables."""
        try:
            return self._read_prepared_live(query)
        except StoreUnavailable:
            return self._read_prepared_live(query)

    def _read_prepared_live(self, query: Callable[[Any, Generation], T]) -> T:
        with self._prepared.snapshot() as connection:
            return query(connection, self._live_tables(connection))

    def _live_tables(self, connection: Any) -> Generation:
        return self.generations.tables(self.generations.live_on(connection))


class SqlReadModelsRebuild(ReadModelsRebuild):
    """The next generation of the tables, written by replay while the live one serves: every
    projection, or a helper's share of them (`writer`'s)."""

    def __init__(self, owner: SqlReadModels, fresh: Generation, writer: ProjectionWriter | None = None) -> None:
        self.owner = owner
        self.fresh = fresh
        self.writer = writer or owner.writer
        self._reached: Checkpoints | None = None  # the checkpoints this rebuild last committed

    @property
    def generation(self) -> int:
        return self.fresh.number

    def project(self, events: Sequence[StoredEvent]) -> None:
        """A batch's writes are made before its transaction, from the checkpoints the last
        batch left, so that helpers writing their shares to one SQLite file take its write
        lock only to run them; they are made again inside should the checkpoints have moved."""
        if not events:
            return
        dialect, prepared = self.owner.engine.dialect, None
        if self._reached is not None:
            # should the checkpoints have moved (a gap here), the transaction makes it from where they are
            with contextlib.suppress(ProjectionGap):
                prepared = self.writer.prepare(dialect, self.fresh, events, self._reached)
        self._reached = None
        with translated_errors(), writing(self.owner.engine, bulk=True) as connection:
            reached = self.writer.apply(connection.connection.driver_connection, dialect, self.fresh, events,
                                        prepared)
        self._reached = reached

    def checkpoints(self) -> dict[int, int]:
        with translated_errors(), reading(self.owner.engine) as connection:
            checkpoints = read_checkpoints(connection.connection.driver_connection, connection.dialect, self.fresh)
        return _lowest(_by_projection(self.writer.own(checkpoints), self.writer.projections))

    def go_live(self) -> None:
        self.owner.generations.swap(self.fresh)

    def discard(self) -> None:
        self.owner.generations.discard(self.fresh)


def _by_projection(checkpoints: dict[tuple[str, int], int],
                   projections: Sequence[Projection] = PROJECTIONS) -> dict[str, dict[int, int]]:
    by_name: dict[str, dict[int, int]] = defaultdict(dict, {projection.name: {} for projection in projections})
    for (name, shard), position in checkpoints.items():
        by_name[name][shard] = position
    return dict(by_name)


def _lowest(by_projection: dict[str, dict[int, int]]) -> dict[int, int]:
    """Per shard, the position that every projection has reached."""
    shards = {shard for checkpoints in by_projection.values() for shard in checkpoints}
    return {shard: min(checkpoints.get(shard, 0) for checkpoints in by_projection.values()) for shard in shards}
