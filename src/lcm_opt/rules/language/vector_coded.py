"""Value vectors held as columns of codes: per slot, the values it takes and each vector's
index among them; a vector is made into a tuple only when asked for.

Where a rule set's vectors are raw values as they are (`RuleSet.consumption_raw_keys`), a
table's columns already give each field's values and codes, and the vectorised evaluation
reads each slot as a numpy column: its few distinct values are classified (`column`) and
gathered by code, where a tuple per vector (a few hundred thousand at scale) would be made
and then taken apart slot by slot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import index as as_index
from typing import overload

import numpy as np

from lcm_opt.rules.language import vector_columns
from lcm_opt.rules.language.types import Values
from lcm_opt.rules.language.vector_columns import Column, column
from lcm_opt.rules.language.vector_values import Ints

__all__ = ["CodedValues", "slot_column", "slot_values", "vector_list"]


class CodedValues(Sequence[Values]):
    """`count` vectors: vector c is `tuple(values[codes[c]] for values, codes in slots)`.
    Equal to the list of those tuples; a tuple asked for by index is made alone, and
    iterating makes every one at once (kept)."""

    __slots__ = ("_all", "_count", "_slots")

    def __init__(self, slots: Sequence[tuple[Sequence[object], Ints]], count: int) -> None:
        if any(len(codes) != count for _, codes in slots):
            raise ValueError(f"every slot needs {count} codes")
        self._slots = tuple((values, np.asarray(codes, dtype=np.int64)) for values, codes in slots)
        self._count = count
        self._all: list[Values] | None = None

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Values: ...

    @overload
    def __getitem__(self, index: slice) -> list[Values]: ...

    def __getitem__(self, index: int | slice) -> Values | list[Values]:
        if isinstance(index, slice) or self._all is not None:
            return self.all()[index]
        at = as_index(index)
        if not -self._count <= at < self._count:
            raise IndexError("vector index out of range")
        at %= self._count
        return tuple([values[int(codes[at])] for values, codes in self._slots])

    def __iter__(self) -> Iterator[Values]:
        return iter(self.all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return self.all() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CodedValues({self._count} vectors, {len(self._slots)} slots)"

    def all(self) -> list[Values]:
        """Every vector as a tuple, made once."""
        if self._all is None:
            if self._slots:
                slots = [self.slot_values(i) for i in range(len(self._slots))]
                self._all = list(zip(*slots, strict=True))
            else:
                self._all = [()] * self._count
        return self._all

    def slot_values(self, index: int) -> list[object]:
        """Slot `index` of every vector."""
        values, codes = self._slots[index]
        return list(map(values.__getitem__, codes.tolist()))

    def column(self, index: int) -> Column:
        """`column(slot_values(index))`, from the slot's distinct codes: the values they
        name, in order of their first vector (the order `column` names texts in), are
        classified, and gathered by code."""
        values, codes = self._slots[index]
        present, local = _first_order(codes, len(values))
        few = column([values[i] for i in present.tolist()])
        return Column(few.kind, few.data[local], few.null[local], few.names)

    def take(self, rows: Ints) -> CodedValues:
        """The vectors at `rows`, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        return CodedValues([(values, codes[rows]) for values, codes in self._slots], len(rows))


def _first_order(codes: Ints, bound: int) -> tuple[Ints, Ints]:
    """The codes (in [0, bound)) that occur, in order of first occurrence, and each item's
    rank among them."""
    n = len(codes)
    first = np.full(bound, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
    present = np.flatnonzero(first < n)
    present = present[np.argsort(first[present])]  # first occurrences are distinct
    rank = np.zeros(bound, dtype=np.int64)
    rank[present] = np.arange(len(present), dtype=np.int64)
    return present, rank[codes]


def slot_values(rows: Sequence[Values], index: int) -> list[object]:
    """Slot `index` of every vector in `rows`."""
    if isinstance(rows, CodedValues):
        return rows.slot_values(index)
    return vector_columns.slot_values(rows, index)


def slot_column(rows: Sequence[Values], index: int) -> Column:
    """`column(slot_values(rows, index))`, from the codes where `rows` holds them."""
    if isinstance(rows, CodedValues):
        return rows.column(index)
    return column(slot_values(rows, index))


def vector_list(rows: Sequence[Values]) -> Sequence[Values]:
    """`rows` where reading them one by one costs a list's indexing."""
    return rows.all() if isinstance(rows, CodedValues) else rows
