"""Generations of the views' tables, and the pointer row naming the live one.

A rebuild fills generation N+1 while N serves, then one UPDATE of the pointer swaps them.
Whoever writes to the live generation holds the pointer row locked (FOR UPDATE), so the
swap waits for a write in progress, and a write begun after it goes to the new generation.
"""

import logging
import sqlite3
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateSchema

from adapters.read_models.engine import translated_errors, writing
from adapters.read_models.prepared import PreparedQuery
from adapters.read_models.schema import Generation, generation, pointer_table
from application.errors import StoreUnavailable

log = logging.getLogger(__name__)
LIVE_ROW = 1
FIRST_GENERATION = 1
NOT_SET_UP = "the read model tables are not set up: create them first (product-service init)"


class Generations:
    """The pointer table and the tables of each generation, in one database (and schema)."""

    def __init__(self, engine: Engine, schema: str | None) -> None:
        self.engine = engine
        self.schema = schema
        self.pointer = pointer_table(schema)
        self._tables: dict[int, Generation] = {}
        live = self.live_query = select(self.pointer.c.generation).where(self.pointer.c.id == LIVE_ROW)
        # read before every write of the projector: compiled once, run on the driver's cursor
        self._live = PreparedQuery(live, engine.dialect)
        self._live_locked = PreparedQuery(live.with_for_update(), engine.dialect)

    def tables(self, number: int) -> Generation:
        """The tables of one generation (described once, then remembered)."""
        if number not in self._tables:
            self._tables[number] = generation(number, self.schema)
        return self._tables[number]

    def live(self, connection: Connection, lock: bool = False) -> int:
        """The live generation's number; `lock` holds the pointer until the transaction ends."""
        return self.live_on(connection.connection.driver_connection, lock)

    def live_on(self, driver: Any, lock: bool = False) -> int:
        """As `live`, on a driver connection."""
        rows = (self._live_locked if lock else self._live).rows(driver, {})
        if not rows:
            raise StoreUnavailable(NOT_SET_UP)
        return int(rows[0]["generation"])

    def create(self) -> None:
        """Creates the pointer and the live generation's tables if missing; harmless to repeat."""
        with translated_errors(), writing(self.engine) as connection:
            if self.schema is not None:
                connection.execute(CreateSchema(self.schema, if_not_exists=True))
            self.pointer.create(connection, checkfirst=True)
            live = connection.scalar(select(self.pointer.c.generation).where(self.pointer.c.id == LIVE_ROW))
            if live is None:
                connection.execute(insert(self.pointer).values(id=LIVE_ROW, generation=FIRST_GENERATION))
                live = FIRST_GENERATION
            self.tables(live).metadata.create_all(connection)

    def drop(self) -> None:
        """Drops every generation and the pointer."""
        with translated_errors(), writing(self.engine) as connection:
            live = self.live(connection, lock=True)
            for number in (live - 1, live, live + 1):
                self.tables(number).metadata.drop_all(connection)
            self.pointer.drop(connection)

    def start_next(self) -> Generation:
        """Empty tables for the generation after the live one, replacing leftovers of a crash."""
        with translated_errors(), writing(self.engine) as connection:
            live = self.live(connection, lock=True)
            for stale in (live - 1, live + 1):
                self.tables(stale).metadata.drop_all(connection)
            fresh = self.tables(live + 1)
            fresh.metadata.create_all(connection)
        return fresh

    def swap(self, fresh: Generation) -> None:
        """Makes `fresh` live, then drops the generation it replaces (should that fail, the next
        rebuild drops it: the swap has happened either way)."""
        with translated_errors(), writing(self.engine) as connection:
            old = self.live(connection, lock=True)
            connection.execute(update(self.pointer).where(self.pointer.c.id == LIVE_ROW)
                               .values(generation=fresh.number))
        try:
            with writing(self.engine, bulk=True) as connection:  # tables nobody reads any more
                self.tables(old).metadata.drop_all(connection)
        except SQLAlchemyError:
            log.warning("dropping read model generation %s failed; the next rebuild drops it", old, exc_info=True)
        self._checkpoint()

    def _checkpoint(self) -> None:
        """SQLite: copies the rebuild's pages from the write-ahead log into the file now (bulk
        writes leave that to the end, so pages rewritten batch after batch are copied once)."""
        if self.engine.dialect.name != "sqlite":
            return
        connection = self.engine.raw_connection()
        try:
            connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        except sqlite3.Error:
            log.warning("checkpointing the read models after a rebuild failed; SQLite retries later", exc_info=True)
        finally:
            connection.close()

    def discard(self, fresh: Generation) -> None:
        """Drops a generation that never went live; never the live one."""
        with translated_errors(), writing(self.engine) as connection:
            if self.live(connection, lock=True) != fresh.number:
                fresh.metadata.drop_all(connection)
