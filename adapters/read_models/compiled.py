"""The statements that write the views, compiled once per table, shape and database and run
on the driver's cursor: SQLAlchemy builds and compiles them (and converts JSON and the like),
the driver's executemany runs a whole batch of parameters without anything in between.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase

Shape = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # a batching.Statement without parameters
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # dialects with INSERT ... ON CONFLICT


@contextmanager
def driver_errors(dialect: Dialect, sql: str, parameters: Any = None) -> Iterator[None]:
    """The driver's errors as SQLAlchemy's, as if SQLAlchemy had run the statement."""
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error) from error


class CompiledWrite:
    """One statement compiled for one database, run with parameter tuples in its shape's order
    (see `batching.Statement`); where the database has no upsert, an upsert is a delete and
    an insert."""

    def __init__(self, dialect: Dialect, table: Table, shape: Shape) -> None:
        kind, columns, where, at_most = shape
        self.dialect = dialect
        self.before: CompiledWrite | None = None
        self.key_positions: list[int] = []
        if kind == "upsert" and dialect.name not in UPSERTS:
            key = tuple(column.name for column in table.primary_key)
            self.before = CompiledWrite(dialect, table, ("delete", (), key, ()))
            self.key_positions = [columns.index(name) for name in key]
        self.names = list(columns) if kind == "upsert" else [
            *(f"v_{name}" for name in columns), *(f"w_{name}" for name in where), *(f"m_{name}" for name in at_most)]
        compiled = _statement(dialect.name, table, shape).compile(
            dialect=dialect, column_keys=list(columns) if kind == "upsert" else None)
        self.sql = str(compiled)
        order = [self.names.index(name) for name in compiled.positiontup or ()] if compiled.positional else None
        self.order = None if order == list(range(len(self.names))) else order
        processors = [(index, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                      for index, name in enumerate(self.names)]
        self.processors = [(index, process) for index, process in processors if process is not None]

    def run(self, cursor: Any, parameters: list[tuple[Any, ...]]) -> None:
        self.bind(parameters).run(cursor)

    def bind(self, parameters: list[tuple[Any, ...]]) -> "BoundWrite":
        """The statement with its parameters converted for the driver: made before the
        transaction where the caller can, so that it holds the database's write lock only to
        run it."""
        before = None
        if self.before is not None:
            before = self.before.bind([tuple(row[i] for i in self.key_positions) for row in parameters])
        return BoundWrite(self, before, self._arguments(parameters), parameters[:1])

    def _arguments(self, parameters: list[tuple[Any, ...]]) -> list[Any]:
        """The parameters as the driver takes them: converted (JSON to text, say), in the order
        of the compiled statement's placeholders, or by name."""
        arguments: list[Any] = parameters
        if self.processors:
            arguments = [self._processed(row) for row in arguments]
        if self.order is not None:
            arguments = [[row[index] for index in self.order] for row in arguments]
        if not self.dialect.positional:
            arguments = [dict(zip(self.names, row, strict=True)) for row in arguments]
        return arguments

    def _processed(self, row: tuple[Any, ...]) -> list[Any]:
        values = list(row)
        for index, process in self.processors:
            values[index] = process(values[index])
        return values


class BoundWrite:
    """A compiled statement and the driver's arguments for it, to run as one executemany."""

    __slots__ = ("arguments", "before", "compiled", "first")

    def __init__(self, compiled: CompiledWrite, before: "BoundWrite | None", arguments: list[Any],
                 first: list[tuple[Any, ...]]) -> None:
        self.compiled, self.before, self.arguments, self.first = compiled, before, arguments, first

    def run(self, cursor: Any) -> None:
        if self.before is not None:
            self.before.run(cursor)
        with driver_errors(self.compiled.dialect, self.compiled.sql, self.first):
            cursor.executemany(self.compiled.sql, self.arguments)


def _statement(dialect: str, table: Table, shape: Shape) -> UpdateBase:
    """The statement for a shape; parameters are named after the columns (upsert), or
    w_<column> (where), v_<column> (new values) and m_<column> (upper bounds)."""
    kind, columns, where, at_most = shape
    if kind == "upsert":
        return _upsert_statement(dialect, table, columns)
    conditions = [table.c[name] == _parameter(table, "w", name) for name in where]
    if kind == "update":
        return update(table).where(*conditions).values({name: _parameter(table, "v", name) for name in columns})
    return delete(table).where(*conditions, *(table.c[name] <= _parameter(table, "m", name) for name in at_most))


def _parameter(table: Table, prefix: str, name: str) -> Any:
    return bindparam(f"{prefix}_{name}", type_=table.c[name].type)


def _upsert_statement(dialect: str, table: Table, columns: tuple[str, ...]) -> UpdateBase:
    if dialect not in UPSERTS:
        return insert(table)
    statement = UPSERTS[dialect](table)
    key = [column.name for column in table.primary_key]
    changed = {name: statement.excluded[name] for name in columns if name not in key}
    if not changed:
        return statement.on_conflict_do_nothing(index_elements=key)
    return statement.on_conflict_do_update(index_elements=key, set_=changed)
