"""Applies events to one generation of the views, each projection with its checkpoint, in the
caller's transaction: the rows and the checkpoint commit together or not at all.

A batch's changes are folded table by table (the tables are independent of each other) into
statements that commute (see `batching`); each runs as one executemany on the driver's
cursor, compiled once per table, shape and database (see `compiled`).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Table

from adapters.read_models.batching import Statement, TableBatch
from adapters.read_models.compiled import BoundWrite, CompiledWrite, Shape, driver_errors
from adapters.read_models.schema import CHECKPOINTS, Generation
from application.envelope import StoredEvent
from application.mapper import EventMapper
from application.projections import PROJECTIONS, Change, Projection, ProjectionGap, Upsert
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


@dataclass(frozen=True)
class PreparedBatch:
    """A batch of events turned into the writes of a writer's projections, ready to run: the
    checkpoints it follows from, and those it leaves."""

    assumed: Checkpoints
    writes: list[BoundWrite]
    reached: Checkpoints


class ProjectionWriter:
    """Turns events into the projections' row changes and writes them; `projections`: those
    it writes (all of them, or a rebuild helper's share: see `Projector.replay_part`)."""

    def __init__(self, mapper: EventMapper, projections: Sequence[Projection] = PROJECTIONS) -> None:
        self.mapper = mapper
        self.projections = tuple(projections)
        self._names = frozenset(projection.name for projection in self.projections)
        self._compiled: dict[tuple[Table, str, Shape], CompiledWrite] = {}
        self._columns: dict[Table, tuple[list[str], list[str]]] = {}
        self._handlers: dict[str, tuple[Handler | None, ...]] = {}

    def apply(self, driver: Any, dialect: Dialect, tables: Generation, events: Sequence[StoredEvent],
              prepared: PreparedBatch | None = None) -> Checkpoints:
        """Each projection applies the events after its checkpoint, upcast, in feed order, on a
        driver connection (`dialect`'s) inside the caller's writing transaction; the
        checkpoints it leaves. `prepared`: these events made ready beforehand (`prepare`),
        made again here if the checkpoints are not those it followed from."""
        checkpoints = self.own(read_checkpoints(driver, dialect, tables))
        if prepared is None or prepared.assumed != checkpoints:
            prepared = self._prepare(dialect, tables, events, checkpoints)
        cursor = driver.cursor()
        try:
            for write in prepared.writes:
                write.run(cursor)
        finally:
            cursor.close()
        return prepared.reached

    def prepare(self, dialect: Dialect, tables: Generation, events: Sequence[StoredEvent],
                checkpoints: Checkpoints) -> PreparedBatch:
        """The writes that apply the events after `checkpoints`, made without the database:
        outside the transaction, they need not hold its write lock. Raises ProjectionGap if
        an event lies past a checkpoint's next position."""
        return self._prepare(dialect, tables, events, self.own(checkpoints))

    def _prepare(self, dialect: Dialect, tables: Generation, events: Sequence[StoredEvent],
                 checkpoints: Checkpoints) -> PreparedBatch:
        """As `prepare`, from checkpoints that are this writer's projections' only."""
        changes, moved = self._changes(events, checkpoints)
        changes[CHECKPOINTS] = [Upsert(CHECKPOINTS, {"projection": name, "shard": shard, "position": position})
                                for (name, shard), position in moved.items()]
        return PreparedBatch(checkpoints, self._bound(dialect, tables, changes), {**checkpoints, **moved})

    def own(self, checkpoints: Checkpoints) -> Checkpoints:
        """The checkpoints of this writer's projections."""
        return {key: position for key, position in checkpoints.items() if key[0] in self._names}

    def _changes(self, events: Sequence[StoredEvent],
                 checkpoints: Checkpoints) -> tuple[dict[str, list[Change]], Checkpoints]:
        """The projections' changes by table, in order, and the checkpoints they moved."""
        reached: dict[int, list[int]] = {}  # shard -> each projection's last position, as self.projections
        changes: dict[str, list[Change]] = defaultdict(list)
        upcast, decode, handlers_of = self.mapper.upcast, self.mapper.decode_upcast, self._handlers_of
        for stored in events:
            shard, position = stored.shard, stored.position
            lasts = reached.get(shard) or reached.setdefault(shard, [checkpoints.get((projection.name, shard), 0)
                                                                     for projection in self.projections])
            envelope, event = upcast(stored), None
            for number, handler in enumerate(self._handlers.get(stored.event_type) or handlers_of(stored.event_type)):
                last = lasts[number]
                if position <= last:
                    continue
                if position != last + 1:
                    raise ProjectionGap(f"{self.projections[number].name} is at position {last} of shard {shard}; "
                                        f"it cannot apply position {position}")
                lasts[number] = position
                if handler is None:
                    continue
                if event is None:
                    event = decode(envelope)
                for change in handler(event, envelope):
                    changes[change.table].append(change)
        return changes, {(projection.name, shard): lasts[number] for shard, lasts in reached.items()
                         for number, projection in enumerate(self.projections)
                         if lasts[number] != checkpoints.get((projection.name, shard), 0)}

    def _handlers_of(self, event_type: str) -> tuple[Handler | None, ...]:
        """Each projection's handler of the event type, None where it does not care (kept)."""
        event_class = self.mapper.event_class(event_type)
        handlers = self._handlers[event_type] = tuple(projection.handler_of(event_class)
                                                      for projection in self.projections)
        return handlers

    def _bound(self, dialect: Dialect, tables: Generation, changes: dict[str, list[Change]]) -> list[BoundWrite]:
        writes = []
        for name, table_changes in changes.items():
            table = tables[name]
            batch = TableBatch(*self._columns_of(table))
            batch.add(table_changes)
            writes += [self._compiled_for(dialect, table, statement).bind(statement.parameters)
                       for statement in batch.statements()]
        return writes

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
