"""A batch's row changes to one table, folded into statements that commute with each other, so
that each kind runs as one executemany whatever order the projections produced them in.

Changes to different rows commute; the changes to one row (by primary key) fold into where the
row ends: written whole (the last full row, later updates merged into it), gone, or patched
(values to set, should the row exist: the batch never wrote it whole). A delete by a condition
on key columns (a product's attributes, the prices up to a moment) runs first, on the rows as
the batch found them, and turns the rows of the batch it matches into gone ones. A change that
fits none of this (an update not by primary key, a row without every column) ends the fold:
what came before is written, then the change alone, then folding starts again.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from application.projections import Change, Delete, Update, Upsert

Key = tuple[Any, ...]
Values = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement's shape and its parameter sets, each a tuple in the shape's order.

    kind "upsert": `columns` are the row's columns (in table order); "update": `columns` are
    the values set, then `where` the key columns; "delete": `where` columns equal, then
    `at_most` columns no greater than the parameters.
    """

    kind: str
    columns: tuple[str, ...]
    where: tuple[str, ...]
    at_most: tuple[str, ...]
    parameters: list[Values]


class TableBatch:
    """The changes to one table, in the order they were made, folded as they arrive."""

    def __init__(self, columns: Iterable[str], key: Iterable[str]) -> None:
        self.columns = tuple(columns)
        self.key = tuple(key)
        self._all, self._key_set = frozenset(self.columns), frozenset(self.key)
        self._row_of = _getter(self.columns)
        self._key_of = _getter(self.key)
        self._done: list[Statement] = []
        self._reset()

    def _reset(self) -> None:
        self._written: dict[Key, dict[str, Any]] = {}
        self._patched: dict[Key, dict[str, Any]] = {}
        self._gone: dict[Key, None] = {}  # a dict keeps the order: deterministic statements
        self._ranges: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Values]] = defaultdict(list)
        self._touched: list[Key] = []  # every key written or patched, in order, for `_matching`
        self._indexes: dict[tuple[str, ...], _Index] = {}

    def add(self, changes: Iterable[Change]) -> None:
        """Folds the changes in, in order; whole rows are by far the most, so they are folded here."""
        every_column, key_of = self._all, self._key_of
        for change in changes:
            if type(change) is Upsert and change.row.keys() == every_column:
                row = change.row
                key = key_of(row)
                if self._patched:
                    self._patched.pop(key, None)
                if self._gone:
                    self._gone.pop(key, None)
                self._touched.append(key)
                self._written[key] = row
            elif type(change) is Update:
                self._update(change)
            elif type(change) is Delete:
                self._delete(change)
            else:
                row = change.row
                self._alone(Statement("upsert", tuple(row), (), (), [tuple(row.values())]))

    def statements(self) -> list[Statement]:
        """Every statement of the batch, in the order to run them."""
        self._flush()
        done, self._done = self._done, []
        return done

    def _update(self, change: Update) -> None:
        where, values = change.where, change.values
        if where.keys() != self._key_set or not self._key_set.isdisjoint(values) or not self._all.issuperset(values):
            return self._alone(Statement("update", tuple(values), tuple(where), (),
                                         [(*values.values(), *where.values())]))
        key = self._key_of(where)
        written = self._written.get(key)
        if written is not None:
            self._written[key] = {**written, **values}
        elif key not in self._gone:
            patched = self._patched.get(key)
            self._patched[key] = values if patched is None else {**patched, **values}
            self._touched.append(key)
        return None

    def _delete(self, change: Delete) -> None:
        where, at_most = change.where, change.at_most
        if not at_most and where.keys() == self._key_set:
            self._now_gone(self._key_of(where))
            return None
        if not (where.keys() <= self._key_set and at_most.keys() <= self._key_set):
            return self._alone(Statement("delete", (), tuple(where), tuple(at_most),
                                         [(*where.values(), *at_most.values())]))
        shape = (tuple(where), tuple(at_most))
        self._ranges[shape].append((*where.values(), *at_most.values()))
        for key in self._matching(shape[0], tuple(where.values())):
            if (key in self._written or key in self._patched) and self._within(key, at_most):
                self._now_gone(key)
        return None

    def _now_gone(self, key: Key) -> None:
        self._written.pop(key, None)
        self._patched.pop(key, None)
        self._gone[key] = None

    def _matching(self, columns: tuple[str, ...], values: Values) -> list[Key]:
        """The keys written or patched whose `columns` hold `values` (or held: the caller checks)."""
        index = self._indexes.get(columns)
        if index is None:
            index = self._indexes[columns] = _Index([self.key.index(column) for column in columns])
        return index.matching(self._touched, values)

    def _within(self, key: Key, at_most: dict[str, Any]) -> bool:
        return all(key[self.key.index(column)] <= bound for column, bound in at_most.items())

    def _alone(self, statement: Statement) -> None:
        self._flush()
        self._done.append(statement)

    def _flush(self) -> None:
        done = self._done
        for (where, at_most), parameters in self._ranges.items():
            done.append(Statement("delete", (), where, at_most, parameters))
        if self._gone:
            done.append(Statement("delete", (), self.key, (), list(self._gone)))
        if self._written:
            done.append(Statement("upsert", self.columns, (), (), list(map(self._row_of, self._written.values()))))
        for values, parameters in _by_columns(self._patched).items():
            done.append(Statement("update", values, self.key, (), parameters))
        self._reset()


class _Index:
    """Keys by the values of some of their columns, brought up to date when asked."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions
        self.keys: dict[Values, dict[Key, None]] = defaultdict(dict)
        self.seen = 0

    def matching(self, touched: list[Key], values: Values) -> list[Key]:
        positions, keys = self.positions, self.keys
        for key in touched[self.seen:]:
            keys[tuple(key[p] for p in positions)][key] = None
        self.seen = len(touched)
        return list(keys.get(values, ()))


def _by_columns(patched: dict[Key, dict[str, Any]]) -> dict[tuple[str, ...], list[Values]]:
    """The updates by the columns they set: (values..., key...) per row."""
    grouped: dict[tuple[str, ...], list[Values]] = defaultdict(list)
    for key, values in patched.items():
        grouped[tuple(values)].append((*values.values(), *key))
    return grouped


def _getter(columns: tuple[str, ...]) -> Any:
    """A function from a row to the tuple of its `columns` (a tuple even for one column)."""
    get = itemgetter(*columns)
    return get if len(columns) > 1 else lambda row: (get(row),)
