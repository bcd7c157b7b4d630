"""A batch's row changes, folded into commuting statements (adapters/read_models/batching), leave
a table exactly as applying each change alone, in order, does; on a real SQLite table."""

from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, Column, Engine, Integer, MetaData, String, Table, create_engine, select

from adapters.read_models.batching import Statement, TableBatch
from adapters.read_models.writer import CompiledWrite
from application.projections import Change, Delete, Update, Upsert

KEY = ("p", "c", "n")
COLUMNS = (*KEY, "v", "j")


def a_table() -> Table:
    return Table("t", MetaData(), Column("p", String(8), primary_key=True), Column("c", String(8), primary_key=True),
                 Column("n", Integer, primary_key=True, autoincrement=False), Column("v", Integer),
                 Column("j", JSON))


def folded(changes: Sequence[Change]) -> list[Statement]:
    batch = TableBatch(COLUMNS, KEY)
    batch.add(changes)
    return batch.statements()


def table_after(initial: Sequence[Change], changes: Sequence[Change], together: bool) -> list[tuple[Any, ...]]:
    engine: Engine = create_engine("sqlite://")
    table = a_table()
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        cursor = connection.connection.cursor()
        steps = [folded(initial), *([folded(changes)] if together else [folded([change]) for change in changes])]
        for statement in (statement for step in steps for statement in step):
            shape = (statement.kind, statement.columns, statement.where, statement.at_most)
            CompiledWrite(connection.dialect, table, shape).run(cursor, statement.parameters)
        return [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]


keys = st.fixed_dictionaries({"p": st.sampled_from("ab"), "c": st.sampled_from("xy"), "n": st.integers(1, 3)})
rows = st.builds(lambda key, v, j: {**key, "v": v, "j": {"k": j}}, keys, st.integers(0, 3), st.integers(0, 3))
changes = st.one_of(
    st.builds(lambda row: Upsert("t", row), rows),
    st.builds(lambda row: Upsert("t", {name: row[name] for name in (*KEY, "v")}), rows),  # not every column
    st.builds(lambda key, v: Update("t", key, {"v": v}), keys, st.integers(0, 3)),
    st.builds(lambda key, v, j: Update("t", key, {"j": [j], "v": v}), keys, st.integers(0, 3), st.integers(0, 3)),
    st.builds(lambda key, v: Update("t", {"p": key["p"]}, {"v": v}), keys, st.integers(0, 3)),  # not by key
    st.builds(lambda key: Delete("t", key), keys),
    st.builds(lambda key: Delete("t", {"p": key["p"]}), keys),
    st.builds(lambda key: Delete("t", {"p": key["p"], "c": key["c"]}, at_most={"n": key["n"]}), keys),
    st.builds(lambda key: Delete("t", {}, at_most={"n": key["n"]}), keys),
    st.builds(lambda v: Delete("t", {"v": v}), st.integers(0, 3)),  # not by key columns
)


@settings(max_examples=300, deadline=None)
@given(initial=st.lists(st.builds(lambda row: Upsert("t", row), rows), max_size=8),
       changes=st.lists(changes, max_size=25))
def test_a_folded_batch_leaves_the_rows_that_each_change_in_order_leaves(initial: list[Change],
                                                                          changes: list[Change]) -> None:
    assert table_after(initial, changes, together=True) == table_after(initial, changes, together=False)


def test_alike_changes_to_many_rows_run_as_one_statement_of_each_kind() -> None:
    changes: list[Change] = []
    for n in range(100):
        key = {"p": "a", "c": "x", "n": n}
        changes += [Upsert("t", {**key, "v": 0, "j": None}), Update("t", {**key, "n": n + 1000}, {"v": 1}),
                    Delete("t", {"p": "b", "c": "y"}, at_most={"n": n}), Delete("t", {**key, "n": n + 2000})]
    assert [(statement.kind, len(statement.parameters)) for statement in folded(changes)] == [
        ("delete", 100), ("delete", 100), ("upsert", 100), ("update", 100)]


def test_the_last_write_of_a_row_wins_with_the_updates_after_it() -> None:
    key = {"p": "a", "c": "x", "n": 1}
    (upsert,) = folded([Upsert("t", {**key, "v": 1, "j": None}), Update("t", key, {"v": 2}),
                        Upsert("t", {**key, "v": 3, "j": [1]}), Update("t", key, {"j": [2]})])
    assert upsert.parameters == [("a", "x", 1, 3, [2])]
