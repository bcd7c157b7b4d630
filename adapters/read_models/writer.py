"""Applies events to one generation of the views, each projection with its checkpoint, in the
caller's transaction: the rows and the checkpoint commit together or not at all.

A batch's changes are folded table by table (the tables are independent of each other) into
statements that commute (see `batching`); each runs as one executemany on the driver's
cursor, compiled once per table, shape and database (see `compiled`).
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Dialect, Table

from adapters.read_models.batching import Statement, TableBatch
from adapters.read_models.compiled import CompiledWrite, Shape, driver_errors
from adapters.read_models.schema import CHECKPOINTS, Generation
from application.envelope import StoredEvent
from application.mapper import EventMapper
from application.projections import PROJECTIONS, Change, ProjectionGap, Upsert
from application.projections.changes import Handler

Checkpoints = dict[tuple[str, int], int]  # (projection, shard) -> last position applied


def read_checkpoints(driver: Any, dialect: Dialect, tables: Generation) -> Checkpoints:
    """The checkpoints of one generation, read on a driver connection in the caller's transaction."""
    table = dialect.identifier_preparer.format_table(tables[CHECKPOINTS])
    sql = f"SELECT projection, shard, position FROM {table}"
    cursor = driver.cursor()
    try:
        with driver_errors(dialect, sql):
            cursor.execute(sql)
            rows = cursor.fetchall()
    finally:
        cursor.close()
    return {(name, shard): position for name, shard, position in rows}


class ProjectionWriter:
    """Turns events into the projections' row changes and writes them."""

    def __init__(self, mapper: EventMapper) -> None:
        self.mapper = mapper
        self._compiled: dict[tuple[Table, str, Shape], CompiledWrite] = {}
        self._columns: dict[Table, tuple[list[str], list[str]]] = {}
        self._handlers: dict[str, tuple[Handler | None, ...]] = {}

    def apply(self, driver: Any, dialect: Dialect, tables: Generation, events: Sequence[StoredEvent]) -> None:
        """Each projection applies the events after its checkpoint, upcast, in feed order, on a
        driver connection (`dialect`'s) inside the caller's writing transaction."""
        checkpoints = read_checkpoints(driver, dialect, tables)
        changes, moved = self._changes(events, checkpoints)
        changes[CHECKPOINTS] = [Upsert(CHECKPOINTS, {"projection": name, "shard": shard, "position": position})
                                for (name, shard), position in moved.items()]
        self._write(driver, dialect, tables, changes)

    def _changes(self, events: Sequence[StoredEvent],
                 checkpoints: Checkpoints) -> tuple[dict[str, list[Change]], Checkpoints]:
        """The projections' changes by table, in order, and the checkpoints they moved."""
        reached: dict[int, list[int]] = {}  # shard -> each projection's last position, as PROJECTIONS
        changes: dict[str, list[Change]] = defaultdict(list)
        upcast, decode, handlers_of = self.mapper.upcast, self.mapper.decode_upcast, self._handlers_of
        for stored in events:
            shard, position = stored.shard, stored.position
            lasts = reached.get(shard) or reached.setdefault(shard, [checkpoints.get((projection.name, shard), 0)
                                                                     for projection in PROJECTIONS])
            envelope, event = upcast(stored), None
            for number, handler in enumerate(self._handlers.get(stored.event_type) or handlers_of(stored.event_type)):
                last = lasts[number]
                if position <= last:
                    continue
                if position != last + 1:
                    raise ProjectionGap(f"{PROJECTIONS[number].name} is at position {last} of shard {shard}; "
                                        f"it cannot apply position {position}")
                lasts[number] = position
                if handler is None:
                    continue
                if event is None:
                    event = decode(envelope)
                for change in handler(event, envelope):
                    changes[change.table].append(change)
        return changes, {(projection.name, shard): lasts[number] for shard, lasts in reached.items()
                         for number, projection in enumerate(PROJECTIONS)
                         if lasts[number] != checkpoints.get((projection.name, shard), 0)}

    def _handlers_of(self, event_type: str) -> tuple[Handler | None, ...]:
        """Each projection's handler of the event type, None where it does not care (kept)."""
        event_class = self.mapper.event_class(event_type)
        handlers = self._handlers[event_type] = tuple(projection.handler_of(event_class)
                                                      for projection in PROJECTIONS)
        return handlers

    def _write(self, driver: Any, dialect: Dialect, tables: Generation, changes: dict[str, list[Change]]) -> None:
        cursor = driver.cursor()
        try:
            for name, table_changes in changes.items():
                table = tables[name]
                batch = TableBatch(*self._columns_of(table))
                batch.add(table_changes)
                for statement in batch.statements():
                    self._compiled_for(dialect, table, statement).run(cursor, statement.parameters)
        finally:
            cursor.close()

    def _columns_of(self, table: Table) -> tuple[list[str], list[str]]:
        """A table's columns and its key's, by name (asked for by every batch: kept)."""
        columns = self._columns.get(table)
        if columns is None:
            columns = self._columns[table] = ([column.name for column in table.columns],
                                              [column.name for column in table.primary_key])
        return columns

    def _compiled_for(self, dialect: Dialect, table: Table, statement: Statement) -> CompiledWrite:
        shape = (statement.kind, statement.columns, statement.where, statement.at_most)
        compiled = self._compiled.get((table, dialect.name, shape))
        if compiled is None:
            compiled = self._compiled[table, dialect.name, shape] = CompiledWrite(dialect, table, shape)
        return compiled
