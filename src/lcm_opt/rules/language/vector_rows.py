"""Value vectors of many consumptions at once, from rows of just the raw values they read:
element i equals `RuleSet.consumption_values` of row i's raw mapping, without a mapping
per row.

At scale a million installs repeat a few hundred thousand attribute sets, each of which
would otherwise build a raw mapping and run the vector closure; a vector of raw values is
the row itself, and a vector with Set fields is computed once per distinct row."""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

from lcm_opt.rules.language.types import Values
from lcm_opt.rules.language.values import _norm

Rows = Callable[[tuple[str, ...]], list[tuple[object, ...]]]
"""raw keys -> per row, its raw values under them (as `consumption_raw` gives them)."""
VectorOfRows = Callable[[Rows, int, bool], list[Values]]
"""(rows, number of rows, whether every raw value is known to be a str, an int or None)
-> each row's value vector."""

_EXACT: frozenset[type] = frozenset({str, int, type(None)})
"""Types whose equal values are alike in every respect the rules can tell apart (a str
never equals an int), so equal rows may share one vector; no bool among them, so a row
of them is its own `_norm`."""


def _types(rows: list[tuple[object, ...]]) -> set[type]:
    return set(map(type, chain.from_iterable(rows)))


class PlainRows:
    """Vectors that are the raw values under `raw_keys`, in that order: rows whose raw
    values differ have different vectors."""

    __slots__ = ("raw_keys",)

    def __init__(self, raw_keys: tuple[str, ...]) -> None:
        self.raw_keys = raw_keys

    def __call__(self, rows_of: Rows, n: int, alike: bool) -> list[Values]:
        if not self.raw_keys:
            return [()] * n
        rows = _checked(rows_of(self.raw_keys), n)
        if alike or _types(rows) <= _EXACT:
            return rows
        return [tuple([_norm(v) for v in row]) for row in rows]


def plain_rows(raw_keys: tuple[str, ...]) -> VectorOfRows:
    """Vectors that are the raw values under `raw_keys`, in that order."""
    return PlainRows(raw_keys)


def memo_rows(
    raw_keys: tuple[str, ...], vector: Callable[[dict[str, object]], Values]
) -> VectorOfRows:
    """Vectors that `vector` computes from a raw mapping reading only `raw_keys`: once per
    distinct row of those values where equal rows are alike (_EXACT), else row by row."""

    def vectors(rows_of: Rows, n: int, alike: bool) -> list[Values]:
        rows: list[tuple[object, ...]] = [()] * n
        if raw_keys:
            rows = _checked(rows_of(raw_keys), n)
        if not (alike or _types(rows) <= _EXACT):
            return [vector(dict(zip(raw_keys, row, strict=True))) for row in rows]
        distinct: dict[tuple[object, ...], Values] = {}
        for row in dict.fromkeys(rows):
            distinct[row] = vector(dict(zip(raw_keys, row, strict=True)))
        return list(map(distinct.__getitem__, rows))

    return vectors


def _checked(rows: list[tuple[object, ...]], n: int) -> list[tuple[object, ...]]:
    if len(rows) != n:
        raise ValueError(f"expected {n} rows, got {len(rows)}")
    return rows
