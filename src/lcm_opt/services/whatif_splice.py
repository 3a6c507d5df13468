"""A sorted tuple of rows with some rows replaced, visiting only the replaced rows.

A merged result's rows are in natural id order and each id belongs to one block, so the
rows of a block that changed can be taken out by position and the block's new rows put
where natural order places them: found by binary search over the old rows (the sort key
is computed only for the rows the search visits), or, for an id the block had before, at
that id's old position. Everything else is copied by slices."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from lcm_opt.domain import natural_key

__all__ = ["splice"]

Row = TypeVar("Row")


def splice(
    base: Sequence[Row],
    owner: np.ndarray,
    dropped: np.ndarray,
    new: Sequence[Row],
    ident: Callable[[Any], str],
) -> list[Row]:
    """`base` (sorted by natural order of `ident`, rows of one id together) without the
    rows whose block (`owner`, per row) `dropped` marks, and with `new` (sorted as `base`
    is, no id shared with a kept row) merged in."""
    removed = np.flatnonzero(dropped[owner]).tolist() if len(base) else []
    points = _insertion_points(base, removed, new, ident)
    out: list[Row] = []
    cursor = i = j = 0
    end = len(base)
    while i < len(removed) or j < len(new):
        gone = removed[i] if i < len(removed) else end
        point = points[j] if j < len(new) else end
        if j < len(new) and point <= gone:
            out.extend(base[cursor:point])
            out.append(new[j])
            cursor, j = point, j + 1
        else:
            out.extend(base[cursor:gone])
            cursor, i = gone + 1, i + 1
    out.extend(base[cursor:])
    return out


def _insertion_points(
    base: Sequence[Row], removed: list[int], new: Sequence[Row], ident: Callable[[Any], str]
) -> list[int]:
    """Per new row, the position in `base` before which it goes (bisect_left by id)."""
    first: dict[str, int] = {}
    for position in removed:
        first.setdefault(ident(base[position]), position)
    points = []
    low = 0
    for row in new:
        name = ident(row)
        point = first.get(name)
        if point is None:
            point = bisect_left(
                base, natural_key(name), lo=low, key=lambda r: natural_key(ident(r))
            )
        points.append(point)
        low = point
    return points
