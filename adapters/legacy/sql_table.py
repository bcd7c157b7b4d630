"""Legacy products in a table of any database SQLAlchemy reaches, one product per row.

The table is reflected, never named inside SQL text, so its name cannot inject SQL. Rows are
read in primary-key order (when there is one) and streamed; a row's "line" is its 1-based
ordinal in that order. The URL's password never appears in messages.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, Table, create_engine, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchTableError, SQLAlchemyError

from application.importing import LegacyRow, LegacySource, SourceError, UnreadableRow

BATCH = 1000


class SqlTableSource(LegacySource):
    def __init__(self, url: str, table: str) -> None:
        self.url = url
        self.schema, _, self.table_name = table.rpartition(".")

    @property
    def default_source_name(self) -> str:
        return self.table_name

    def count(self) -> int | None:
        with _engine(self.url, self.table_name) as engine, engine.connect() as connection:
            table = self._reflect(engine)
            total: int = connection.execute(select(func.count()).select_from(table)).scalar_one()
        return total

    def rows(self) -> Iterator[LegacyRow | UnreadableRow]:
        with _engine(self.url, self.table_name) as engine, engine.connect() as connection:
            table = self._reflect(engine)
            query = select(table).order_by(*table.primary_key.columns)
            result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(query)
            for line, row in enumerate(result.mappings(), start=1):
                yield LegacyRow(line, {str(key): value for key, value in row.items()})

    def _reflect(self, engine: Engine) -> Table:
        return Table(self.table_name, MetaData(), schema=self.schema or None, autoload_with=engine)


@contextmanager
def _engine(url: str, table: str) -> Iterator[Engine]:
    """An engine for one read, disposed afterwards; driver errors become SourceError."""
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as error:
        raise SourceError(f"cannot use the database URL {_masked(url)}: {error}") from error
    try:
        yield engine
    except NoSuchTableError as error:
        raise SourceError(f"{_masked(url)} has no table {table}") from error
    except SQLAlchemyError as error:
        raise SourceError(f"cannot read {table} from {_masked(url)}: {error}") from error
    finally:
        engine.dispose()


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unparsable URL)"
