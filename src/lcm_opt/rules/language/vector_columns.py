"""Slots of the distinct value vectors as numpy columns, and `within` answers per string pair.

Built once per evaluate_pairs call over up to a few hundred thousand distinct vectors, so
the per-row work stays in C-level loops (map, dict.fromkeys, np.fromiter).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from typing import Final, cast

import numpy as np

from lcm_opt.domain.org import Dimension
from lcm_opt.rules.language.types import Values, WithinFn
from lcm_opt.rules.language.vector_values import Ints, Kind, Mask, Unsupported

_DENSE_WITHIN: Final = 1 << 22
"""Largest (distinct a) x (distinct b) for which `within` answers live in one flat array."""

_NONE: Final = type(None)


@dataclass(frozen=True)
class Column:
    kind: Kind
    data: Ints  # one per distinct vector, 0 where NULL; "str": codes into `names`
    null: Mask
    names: tuple[str, ...] = ()

    @cached_property
    def nullable(self) -> bool:
        return bool(self.null.any())


def slot_values(rows: Sequence[Values], index: int) -> list[object]:
    return list(map(operator.itemgetter(index), rows))


def column(values: list[object]) -> Column:
    """Classify one slot by the exact Python types it holds (bool is not int here)."""
    n = len(values)
    distinct = _distinct_texts(values)
    types = {str} if distinct is not None else set(map(type, values)) - {_NONE}
    zeros = np.zeros(n, dtype=np.int64)
    if types == {str}:
        distinct = dict.fromkeys(values) if distinct is None else distinct
        distinct.pop(None, None)
        names = cast(tuple[str, ...], tuple(distinct))
        local: dict[object, int] = dict(zip(names, range(len(names)), strict=True))
        local[None] = -1
        codes = np.fromiter(map(local.__getitem__, values), np.int64, n)
        return Column("str", np.where(codes < 0, 0, codes), codes < 0, names)
    if types - {int} and types - {bool}:  # several types, or neither int nor str
        null = np.fromiter(map(operator.is_, values, repeat(None)), np.bool_, n)
        return Column("obj", zeros, null)
    boxed = np.array(values, dtype=object) if n else np.zeros(0, dtype=object)  # scalars only
    null = np.equal(boxed, np.array(None))
    if not types:
        return Column("null", zeros, null)
    boxed[null] = 0
    try:
        data = boxed.astype(np.int64)
    except OverflowError:  # a Python int beyond int64 compares exactly only as itself
        return Column("obj", zeros, null)
    return Column("int" if types == {int} else "bool", data, null)


def _distinct_texts(values: list[object]) -> dict[object, None] | None:
    """The distinct values where every value is text or NULL (some text), else None (not
    known). A text equals no value of another type, so the distinct values of such a
    column are of the same types: the types of those few are read, not of every value."""
    if not values or type(values[0]) not in (str, _NONE):
        return None
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # an unhashable value
        return None
    return distinct if set(map(type, distinct)) - {_NONE} == {str} else None


def _within_codes(values: list[object], col: Column, names: dict[str, int]) -> Ints:
    """Code in `names` of str(value) (what the closures pass to `within`), -1 for NULL."""
    if col.kind == "str":
        remap = np.array([names.setdefault(s, len(names)) for s in col.names], dtype=np.int64)
        return np.where(col.null, -1, remap[col.data])
    if col.kind == "int":
        distinct = np.unique(col.data[~col.null])
        remap = np.array([names.setdefault(str(v), len(names)) for v in distinct.tolist()])
        found = np.searchsorted(distinct, col.data).clip(0, len(distinct) - 1)  # NULL: any
        return np.where(col.null, -1, remap[found])
    codes = [-1 if v is None else names.setdefault(str(v), len(names)) for v in values]
    return np.array(codes, dtype=np.int64)


@dataclass(frozen=True)
class WithinOperands:
    """Codes of both operands of a `within` in one name space; NULL is code k."""

    x: Ints
    y: Ints
    names: tuple[str, ...]

    @property
    def k(self) -> int:
        return len(self.names)


def within_operands(
    a: tuple[list[object], Column], b: tuple[list[object], Column]
) -> WithinOperands:
    names: dict[str, int] = {}
    x = _within_codes(*a, names)
    y = _within_codes(*b, names)
    k = len(names)
    return WithinOperands(np.where(x < 0, k, x), np.where(y < 0, k, y), tuple(names))


class WithinAnswers:
    """`within(dimension, a, b, strict)` per distinct string pair, asked once per call; the
    answer for code a * (k + 1) + b, False where either is NULL (k)."""

    def __init__(
        self, names: tuple[str, ...], dimension: Dimension, strict: bool, within: WithinFn
    ):
        self.names, self.dimension, self.strict, self.within = names, dimension, strict, within
        self.k = len(names)
        width = self.k + 1
        self.dense = width * width <= _DENSE_WITHIN
        self.table = np.full(width * width if self.dense else 0, -1, dtype=np.int8)
        if self.dense:
            self.table[self.k * width :] = 0
            self.table[self.k :: width] = 0
        self.cache: dict[int, bool] = {}

    def _ask(self, combo: int) -> bool:
        a, b = divmod(combo, self.k + 1)
        if a == self.k or b == self.k:
            return False
        try:
            answer = self.within(self.dimension, self.names[a], self.names[b], self.strict)
        except Exception as exc:  # the closures may short-circuit past this very pair
            raise Unsupported("within raised") from exc
        if answer is not True and answer is not False:  # the closures test `is True`
            raise Unsupported("within answered neither True nor False")
        return answer

    def lookup(self, combo: Ints) -> Mask:
        if not self.dense:
            unique, inverse = np.unique(combo, return_inverse=True)
            answers = []
            for c in unique.tolist():
                answer = self.cache.get(c)
                if answer is None:
                    answer = self.cache[c] = self._ask(c)
                answers.append(answer)
            return np.array(answers, dtype=np.bool_)[inverse]
        got = self.table[combo]
        unknown = got < 0
        if unknown.any():
            seen = np.zeros(len(self.table), dtype=np.bool_)
            seen[combo[unknown]] = True
            for c in np.flatnonzero(seen).tolist():
                self.table[c] = self._ask(c)
            got = self.table[combo]
        hit: Mask = got == 1
        return hit
