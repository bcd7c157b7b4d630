"""Applies events to one generation of the views, each projection with its checkpoint, in the
caller's transaction: the rows and the checkpoint commit together or not at all.

A batch's changes are applied table by table (the tables are independent of each other),
in order within each table, and each run of alike changes goes to the database as one
executemany of one statement, built once per table and shape.
"""

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.read_models.schema import CHECKPOINTS, Generation
from application.envelope import StoredEvent
from application.mapper import EventMapper
from application.projections import PROJECTIONS, Change, Delete, ProjectionGap, Row, Update, Upsert
from domain.events.base import DomainEvent

Checkpoints = dict[tuple[str, int], int]  # (projection, shard) -> last position applied
Shape = tuple[type, tuple[str, ...], tuple[str, ...]]
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # dialects with INSERT ... ON CONFLICT


def read_checkpoints(connection: Connection, tables: Generation) -> Checkpoints:
    table = tables[CHECKPOINTS]
    rows = connection.execute(select(table.c.projection, table.c.shard, table.c.position))
    return {(name, shard): position for name, shard, position in rows}


class ProjectionWriter:
    """Turns events into the projections' row changes and writes them."""

    def __init__(self, mapper: EventMapper) -> None:
        self.mapper = mapper
        self._statements: dict[tuple[Table, Shape], Executable] = {}

    def apply(self, connection: Connection, tables: Generation, events: Sequence[StoredEvent]) -> None:
        """Each projection applies the events after its checkpoint, upcast, in feed order."""
        checkpoints = read_checkpoints(connection, tables)
        moved: Checkpoints = {}
        changes: dict[str, list[Change]] = {name: [] for name in tables.tables}
        for stored in events:
            envelope = self.mapper.upcast(stored)
            event: DomainEvent | None = None
            for projection in PROJECTIONS:
                key = (projection.name, stored.shard)
                last = moved.get(key, checkpoints.get(key, 0))
                if stored.position <= last:
                    continue
                if stored.position != last + 1:
                    raise ProjectionGap(f"{projection.name} is at position {last} of shard {stored.shard}; "
                                        f"it cannot apply position {stored.position}")
                event = event if event is not None else self.mapper.to_event(envelope)
                for change in projection.changes(event, envelope):
                    changes[change.table].append(change)
                moved[key] = stored.position
        changes[CHECKPOINTS] = [Upsert(CHECKPOINTS, {"projection": name, "shard": shard, "position": position})
                                for (name, shard), position in moved.items()]
        for name, table_changes in changes.items():
            self._write(connection, tables[name], table_changes)

    def _write(self, connection: Connection, table: Table, changes: list[Change]) -> None:
        for shape, run in groupby(changes, key=_shape):
            if shape[0] is Upsert:
                self._upsert(connection, table, shape, [change.row for change in run if isinstance(change, Upsert)])
            else:
                connection.execute(self._statement(connection, table, shape), [_parameters(change) for change in run])

    def _upsert(self, connection: Connection, table: Table, shape: Shape, rows: Iterable[Row]) -> None:
        """Replaces rows by primary key (the last row of a key wins): INSERT ... ON CONFLICT where
        the database has it, else a delete and an insert."""
        key_columns = tuple(column.name for column in table.primary_key)
        latest = list({tuple(row[name] for name in key_columns): row for row in rows}.values())
        if connection.dialect.name not in UPSERTS:
            keys = [{f"w_{name}": row[name] for name in key_columns} for row in latest]
            connection.execute(self._statement(connection, table, (Delete, key_columns, ())), keys)
        connection.execute(self._statement(connection, table, shape), latest)

    def _statement(self, connection: Connection, table: Table, shape: Shape) -> Executable:
        if (table, shape) not in self._statements:
            self._statements[table, shape] = _build(connection.dialect.name, table, shape)
        return self._statements[table, shape]


def _shape(change: Change) -> Shape:
    """Changes of one shape run as one statement with different parameters."""
    if isinstance(change, Upsert):
        return Upsert, tuple(change.row), ()
    if isinstance(change, Update):
        return Update, tuple(change.where), tuple(change.values)
    return Delete, tuple(change.where), tuple(change.at_most)


def _parameters(change: Change) -> dict[str, Any]:
    if isinstance(change, Update):
        return {**{f"w_{k}": v for k, v in change.where.items()}, **{f"v_{k}": v for k, v in change.values.items()}}
    assert isinstance(change, Delete)
    return {**{f"w_{k}": v for k, v in change.where.items()}, **{f"m_{k}": v for k, v in change.at_most.items()}}


def _build(dialect: str, table: Table, shape: Shape) -> Executable:
    """The statement for a shape; parameters are named w_<column> (where), v_<column> (new
    values) and m_<column> (upper bounds), as `_parameters` supplies them."""
    kind, first, second = shape
    if kind is Upsert:
        return _upsert_statement(dialect, table, first)
    where = [table.c[name] == _parameter(table, "w", name) for name in first]
    if kind is Update:
        return update(table).where(*where).values({name: _parameter(table, "v", name) for name in second})
    return delete(table).where(*where, *(table.c[name] <= _parameter(table, "m", name) for name in second))


def _parameter(table: Table, prefix: str, name: str) -> Any:
    return bindparam(f"{prefix}_{name}", type_=table.c[name].type)


def _upsert_statement(dialect: str, table: Table, columns: tuple[str, ...]) -> Executable:
    if dialect not in UPSERTS:
        return insert(table)
    statement = UPSERTS[dialect](table)
    key = [column.name for column in table.primary_key]
    changed = {name: statement.excluded[name] for name in columns if name not in key}
    if not changed:
        return statement.on_conflict_do_nothing(index_elements=key)
    return statement.on_conflict_do_update(index_elements=key, set_=changed)
