"""Value vectors of many consumptions at once, from their raw attribute columns: element i
equals `RuleSet.consumption_values` of row i's raw mapping, without a mapping per row.

At scale a million installs repeat a few hundred thousand attribute sets, each of which
would otherwise build a raw mapping and run the vector closure; read as columns, a vector
of raw values is one `zip`, and a vector with Set fields is computed once per distinct row
of the raw values it reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lcm_opt.rules.language.types import Values
from lcm_opt.rules.language.values import _norm

Column = Callable[[str], Sequence[object]]
"""raw key -> the rows' values under it, as `consumption_raw` gives them."""
VectorOfColumns = Callable[[Column, int], list[Values]]
"""(column, number of rows) -> each row's value vector."""

_EXACT: frozenset[type] = frozenset({str, int, type(None)})
"""Types whose equal values are alike in every respect the rules can tell apart (a str
never equals an int), so equal rows may share one vector."""


def _normed(values: Sequence[object]) -> Sequence[object]:
    """`_norm` of each value (a bool reads as an int); the column itself when it has none."""
    if bool not in set(map(type, values)):
        return values
    return [_norm(v) for v in values]


def plain_columns(raw_keys: tuple[str, ...]) -> VectorOfColumns:
    """Vectors that are the raw values under `raw_keys`, in that order."""

    def vectors(column: Column, n: int) -> list[Values]:
        if not raw_keys:
            return [()] * n
        columns = [_normed(column(key)) for key in raw_keys]
        _check_lengths(columns, n)
        return list(zip(*columns, strict=True))

    return vectors


def memo_columns(
    raw_keys: tuple[str, ...], vector: Callable[[dict[str, object]], Values]
) -> VectorOfColumns:
    """Vectors that `vector` computes from a raw mapping reading only `raw_keys`: once per
    distinct row of those values where equal rows are alike (_EXACT), else row by row."""

    def vectors(column: Column, n: int) -> list[Values]:
        columns = [_normed(column(key)) for key in raw_keys]
        _check_lengths(columns, n)
        rows: list[tuple[object, ...]] = list(zip(*columns, strict=True)) if columns else [()] * n
        if not all(set(map(type, c)) <= _EXACT for c in columns):
            return [vector(dict(zip(raw_keys, row, strict=True))) for row in rows]
        distinct: dict[tuple[object, ...], Values] = {}
        for row in dict.fromkeys(rows):
            distinct[row] = vector(dict(zip(raw_keys, row, strict=True)))
        return list(map(distinct.__getitem__, rows))

    return vectors


def _check_lengths(columns: list[Sequence[object]], n: int) -> None:
    if any(len(c) != n for c in columns):
        raise ValueError(f"every column must hold {n} rows")
