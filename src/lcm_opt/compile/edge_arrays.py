"""Every class's eligible edges as columns: what the engines read per edge (licence, score,
units, downgrade, split group) without touching an `Edge` object per edge.

Class k's edges are rows `start[k]:start[k + 1]`, in the order of `ConsumptionClass.edges`
(exact, then downgrade, each by score desc and licence asc). Compile fills it from the
arrays it evaluated the pairs in; for any other Problem it is read once from the classes,
with the same outcome (tests hold the two equal)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from lcm_opt.compile.problem import ConsumptionClass

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class EdgeArrays:
    start: Ints  # per class and one past the last, where its edges start
    licence: npt.NDArray[np.int32]
    score: Ints
    units: Ints
    downgrade: npt.NDArray[np.bool_]
    group: npt.NDArray[np.int32]  # index into `groups`
    groups: tuple[str, ...]  # split group names (A32)

    @property
    def owner(self) -> Ints:
        """The class of each edge."""
        return np.repeat(np.arange(len(self.start) - 1, dtype=np.int64), np.diff(self.start))

    def rows(self, classes: Ints) -> Ints:
        """The edge rows of `classes`, class by class in the given order."""
        begin, end = self.start[classes], self.start[classes + 1]
        sizes = end - begin
        offsets = np.cumsum(sizes) - sizes
        total = int(sizes.sum())
        return np.repeat(begin - offsets, sizes) + np.arange(total, dtype=np.int64)

    def take(self, classes: Ints) -> EdgeArrays:
        """The edges of `classes` only, renumbered 0.. in that order (a component's). A
        column of one value throughout (units, downgrade and group often are) is read as
        a read-only view of that value, not gathered."""
        rows = self.rows(classes)
        start = np.zeros(len(classes) + 1, dtype=np.int64)
        np.cumsum(self.start[classes + 1] - self.start[classes], out=start[1:])
        return EdgeArrays(
            start=start,
            licence=self.licence[rows],
            score=self.score[rows],
            units=_gathered(self.units, rows),
            downgrade=_gathered(self.downgrade, rows),
            group=_gathered(self.group, rows),
            groups=self.groups,
        )


def joined(parts: Sequence[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """`np.concatenate(parts)`; a view of one value where every part is a view of that one
    value (as `take` reads a column of one value)."""
    full = [p for p in parts if len(p)]
    if full and all(p.strides == (0,) and p.dtype == full[0].dtype for p in full):
        first = full[0][:1]
        if all(p[0] == first[0] for p in full):
            return np.broadcast_to(first, (sum(map(len, full)),))
    return np.concatenate(parts)


def _gathered(column: npt.NDArray[Any], rows: Ints) -> npt.NDArray[Any]:
    """`column[rows]`, a view of one value where the column holds only that one."""
    if len(rows) and bool((column == column[0]).all()):
        return np.broadcast_to(column[:1], rows.shape)
    return column[rows]


@dataclass(frozen=True, eq=False)
class Block:
    """The edges of consecutive classes: `count[i]` edges of the block's i-th class, then
    per edge its columns, class by class in edge order."""

    count: Ints
    licence: Ints
    score: Ints
    units: Ints
    downgrade: npt.NDArray[np.bool_]


def from_blocks(blocks: Sequence[Block], classes: int, licence_groups: Sequence[str]) -> EdgeArrays:
    """From the blocks of classes 0, 1, ... in order, each column joined once."""
    groups = tuple(dict.fromkeys(licence_groups))
    code = {name: i for i, name in enumerate(groups)}
    licence_code = np.array([code[g] for g in licence_groups], dtype=np.int32)
    start = np.zeros(classes + 1, dtype=np.int64)
    if blocks:
        np.cumsum(np.concatenate([b.count for b in blocks]), out=start[1:])

    def column(name: str, dtype: type) -> npt.NDArray[Any]:
        parts = [getattr(b, name) for b in blocks]
        return np.concatenate(parts, dtype=dtype) if parts else np.zeros(0, dtype=dtype)

    licence = column("licence", np.int32)
    return EdgeArrays(
        start=start,
        licence=licence,
        score=column("score", np.int64),
        units=column("units", np.int64),
        downgrade=column("downgrade", np.bool_),
        group=licence_code[licence] if len(licence) else np.zeros(0, np.int32),
        groups=groups,
    )


def from_classes(classes: Sequence[ConsumptionClass]) -> EdgeArrays:
    """Read from the classes' Edge objects (one pass over every edge)."""
    degree = np.fromiter((len(c.exact) + len(c.downgrade) for c in classes), np.int64, len(classes))
    start = np.zeros(len(classes) + 1, dtype=np.int64)
    np.cumsum(degree, out=start[1:])
    n = int(start[-1])
    edges = list(chain.from_iterable(chain(c.exact, c.downgrade) for c in classes))

    def column(name: str, dtype: type) -> npt.NDArray[np.generic]:
        return np.fromiter(map(attrgetter(name), edges), dtype, n)

    code: dict[str, int] = {}
    group = np.fromiter((code.setdefault(e.group, len(code)) for e in edges), np.int32, n)
    return EdgeArrays(
        start=start,
        licence=column("licence", np.int32).astype(np.int32),
        score=column("score", np.int64).astype(np.int64),
        units=column("units", np.int64).astype(np.int64),
        downgrade=column("downgrade", np.bool_).astype(bool),
        group=group,
        groups=tuple(code),
    )
