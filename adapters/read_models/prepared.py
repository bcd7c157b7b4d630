"""The hot read path: queries compiled once and run on the driver's own connection.

SQLAlchemy Core still defines every statement and compiles it for the database in use, and
its types still convert the results (JSON text becomes objects on SQLite, say). What is
skipped is building, caching and wrapping the statement, the connection and the result again
on every request, which cost several times the query itself.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Dialect, Engine, Select, literal, null, union_all

from adapters.read_models.engine import reading
from adapters.sqlite.engine import SQLiteDatabase
from application.errors import StoreUnavailable

Rows = list[dict[str, Any]]


class PreparedQuery:
    """One statement, compiled for one dialect, with its bind names and result converters."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.names = compiled.positiontup if compiled.positional else None
        self.fixed = compiled.params  # values the statement binds itself (`id == 1`)
        self.columns = [column.key for column in statement.selected_columns]
        converters = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in statement.selected_columns]
        self.converters = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
        self.driver_error = dialect.loaded_dbapi.Error

    def rows(self, connection: Any, parameters: Mapping[str, Any]) -> Rows:
        """The result rows as dicts by column name, on a driver (DBAPI) connection; a driver
        error becomes StoreUnavailable."""
        values = {**self.fixed, **parameters}
        arguments = tuple(values[name] for name in self.names) if self.names is not None else values
        cursor = connection.cursor()
        try:
            cursor.execute(self.sql, arguments)
            fetched = cursor.fetchall()
        except self.driver_error as error:
            raise StoreUnavailable(f"the read model database failed: {error}") from error
        finally:
            cursor.close()
        return [self.row(values) for values in fetched]

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        """A result row of this statement's columns, converted by their types, by name."""
        if self.converters:
            values = list(values)
            for index, convert in self.converters:
                values[index] = convert(values[index])
        return dict(zip(self.columns, values, strict=True))


class PreparedParts:
    """Several tables' rows for one key in one statement, for SQLite: a UNION ALL of selects,
    each led by its part's number and padded with NULLs to the widest (SQLite's columns take
    any type). One statement reads one snapshot, so it needs no transaction around it, and it
    makes one trip through the driver where one query per table made several."""

    def __init__(self, parts: Mapping[str, Select[Any]], dialect: Dialect) -> None:
        width = max(len(select.selected_columns) for select in parts.values())
        self.names = list(parts)
        self.queries = [PreparedQuery(select, dialect) for select in parts.values()]
        padded = [select.add_columns(*(null() for _ in range(width - len(select.selected_columns))))
                  for select in parts.values()]
        numbered = [select.with_only_columns(literal(number), *select.selected_columns)
                    for number, select in enumerate(padded)]
        compiled = union_all(*numbered).compile(dialect=dialect)
        self.sql = str(compiled)
        self.binds = list(compiled.positiontup or ())
        self.fixed = compiled.params
        self.driver_error = dialect.loaded_dbapi.Error

    def rows(self, connection: Any, parameters: Mapping[str, Any]) -> dict[str, Rows]:
        """Each part's rows, as PreparedQuery.rows gives them."""
        values = {**self.fixed, **parameters}
        try:
            fetched = connection.execute(self.sql, tuple(values[name] for name in self.binds)).fetchall()
        except self.driver_error as error:
            raise StoreUnavailable(f"the read model database failed: {error}") from error
        rows: dict[str, Rows] = {name: [] for name in self.names}
        for row in fetched:
            query = self.queries[row[0]]
            rows[self.names[row[0]]].append(query.row(row[1:len(query.columns) + 1]))
        return rows


class PreparedReads:
    """Prepared queries by key, and a consistent snapshot to run them in.

    On SQLite each thread keeps one driver connection for reading (WAL: readers never wait);
    elsewhere a pooled connection in a REPEATABLE READ transaction, as every other read.
    """

    def __init__(self, engine: Engine, sqlite: SQLiteDatabase | None) -> None:
        """`sqlite`: the per-thread connections to read on, where the engine is SQLite's."""
        self.engine = engine
        self._prepared: dict[tuple[Any, ...], PreparedQuery] = {}
        self._parts: dict[tuple[Any, ...], PreparedParts] = {}
        self._sqlite = sqlite

    def parts(self, connection: Any, key: tuple[Any, ...], build: Callable[[], Mapping[str, Select[Any]]],
              **parameters: Any) -> dict[str, Rows]:
        """As `rows`, for a PreparedParts statement (SQLite)."""
        prepared = self._parts.get(key)
        if prepared is None:
            prepared = self._parts[key] = PreparedParts(build(), self.engine.dialect)
        return prepared.rows(connection, parameters)

    @property
    def one_statement_reads(self) -> bool:
        """Whether a single statement may read without a transaction around it: SQLite, where
        `statement` gives the connection (PreparedParts are SQLite's)."""
        return self._sqlite is not None

    def statement(self) -> Any:
        """This thread's SQLite connection outside any transaction: one statement, one snapshot."""
        assert self._sqlite is not None
        return self._sqlite.connection()

    def rows(self, connection: Any, key: tuple[Any, ...], build: Callable[[], Select[Any]], **parameters: Any) -> Rows:
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = PreparedQuery(build(), self.engine.dialect)
        return prepared.rows(connection, parameters)

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        """A driver connection inside a read-only transaction; driver errors become StoreUnavailable."""
        error_type = self.engine.dialect.loaded_dbapi.Error
        try:
            if self._sqlite is None:
                with reading(self.engine) as connection:
                    yield connection.connection.driver_connection
                return
            connection = self._sqlite.connection()
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.execute("COMMIT")
        except error_type as error:
            raise StoreUnavailable(f"the read model database failed: {error}") from error
