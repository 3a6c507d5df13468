"""Where a what-if variant's new rows go among the baseline's (whatif_rows.py): the
baseline's ids in natural order, widened by the ids only the variant has, each put where
natural order places it (found by binary search, the key made only for the ids visited)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from lcm_opt.domain import natural_key

__all__ = ["Space", "consumption_space", "licence_space"]

Ints = npt.NDArray[np.int64]

Space = tuple[Sequence[str], dict[str, int], Ints | None]
"""Ids widened by new ones (natural order), each new row's id's index there, and each old
index's new one (None where none moved)."""


def consumption_space(ids: Sequence[str], gone: npt.NDArray[np.bool_], wanted: list[str]) -> Space:
    """The consumption ids widened by those of `wanted` the baseline lacks. A wanted id
    the baseline has must be one of a replaced block's (`gone`)."""
    replaced = {ids[i]: i for i in np.flatnonzero(gone).tolist()}
    fresh = sorted((c for c in wanted if c not in replaced), key=natural_key)
    return _inserted(ids, {c: replaced[c] for c in wanted if c in replaced}, fresh)


def licence_space(lids: Sequence[str], named: Iterable[str]) -> Space:
    """As consumption_space(), for licences (`named`: those of the new rows): any licence
    of the baseline may be granted again."""
    known = {lid: i for i, lid in enumerate(lids)}
    fresh = sorted({lid for lid in named if lid not in known}, key=natural_key)
    return _inserted(lids, known, fresh)


def _inserted(ids: Sequence[str], known: dict[str, int], fresh: list[str]) -> Space:
    """`ids` with `fresh` (natural order, none in `ids`) in their places; `known`: the
    index in `ids` of each old id a new row names."""
    if not fresh:
        return ids, known, None
    points = _points(ids, fresh)
    shift = np.arange(len(ids), dtype=np.int64)
    shift += np.searchsorted(np.array(points, dtype=np.int64), shift, side="right")
    place = {name: int(shift[i]) for name, i in known.items()}
    for n, (name, point) in enumerate(zip(fresh, points, strict=True)):
        place[name] = point + n
    return _widened(ids, fresh, points), place, shift


def _points(ids: Sequence[str], fresh: list[str]) -> list[int]:
    """Where each of `fresh` (natural order, none in `ids`) goes among `ids`."""
    points = []
    for name in fresh:
        point = bisect_left(ids, natural_key(name), key=natural_key)
        if point < len(ids) and ids[point] == name:
            raise KeyError(name)  # the id belongs to a block the variant kept
        points.append(point)
    return points


def _widened(ids: Sequence[str], fresh: list[str], points: list[int]) -> list[str]:
    out: list[str] = []
    cursor = 0
    for name, point in zip(fresh, points, strict=True):
        out.extend(ids[cursor:point])
        out.append(name)
        cursor = point
    out.extend(ids[cursor:])
    return out
