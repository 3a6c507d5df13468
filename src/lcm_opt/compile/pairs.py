"""Candidate (class, licence) pairs as columns: every class's product's candidate licences
(build.py's `_candidates`), with the units each pair draws (R28/A19/A40), made with array
operations rather than per product or per class.

The pairs come class by class, ascending, and within a class exact licences before
downgrade ones, each by licence index: the order the edges take apart from their score
(edges.py sorts by score only, stably)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.evaluator import Evaluator
from lcm_opt.domain import TYPE_CODES, Metric
from lcm_opt.rules.eligibility import Reach, licence_units

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Candidates = Mapping[str, tuple[list[tuple[int, Reach]], str | None]]
Sizes = tuple[Sequence[int | None], Sequence[int | None]]
"""Per class, its cores; per class, its processors."""


@dataclass(frozen=True)
class Pairs:
    """Pair j: class `k[j]`, licence `lic[j]`, `units[j]` drawn, reached by downgrade."""

    k: Ints
    lic: Ints
    units: Ints
    down: Mask


@dataclass(frozen=True)
class CandidateTable:
    """Per product index p: its candidates `lic[start[p]:start[p + 1]]` (exact first, then
    by licence index) and why it has none (`detail[p]`, None where it has some)."""

    start: Ints
    lic: Ints
    down: Mask
    detail: list[str | None]

    @classmethod
    def of(cls, product_ids: Sequence[str], candidates: Candidates) -> CandidateTable:
        lic: list[int] = []
        down: list[bool] = []
        sizes = np.zeros(len(product_ids), dtype=np.int64)
        detail: list[str | None] = []
        for p, pid in enumerate(product_ids):
            cands, why = candidates[pid]
            detail.append(None if cands else why)
            ordered = sorted((how is Reach.DOWNGRADE, li) for li, how in cands)
            down.extend(d for d, _ in ordered)
            lic.extend(li for _, li in ordered)
            sizes[p] = len(ordered)
        start = np.zeros(len(product_ids) + 1, dtype=np.int64)
        np.cumsum(sizes, out=start[1:])
        return cls(start, np.array(lic, dtype=np.int64), np.array(down, dtype=bool), detail)


class PairMaker:
    """Candidate pairs of consecutive classes: `product[k]` is class k's product index,
    `sizes` the cores and processors of each class (of its members, alike in them)."""

    def __init__(
        self,
        ctx: Evaluator,
        table: CandidateTable,
        product: Ints,
        sizes: Sizes,
    ) -> None:
        self.ctx, self.table, self.product, self.sizes = ctx, table, product, sizes
        self.degree = table.start[product + 1] - table.start[product]
        types = [licence.type for licence in ctx.licences]
        code = {t: i for i, t in enumerate(dict.fromkeys(types))}
        self.type_names = list(code)
        self.type_of = np.fromiter(map(code.__getitem__, types), np.int64, len(types))
        sized = [TYPE_CODES[t] in (Metric.CORE, Metric.PROCESSOR) for t in self.type_names]
        self.sized_type = np.array(sized, dtype=bool)

    def blocks(self, size: int) -> list[tuple[int, int]]:
        """Ranges [lo, hi) of consecutive classes, covering every class, each with at most
        `size` candidate pairs unless it is one class with more."""
        ends = np.cumsum(self.degree)
        out = []
        lo, done = 0, 0
        while lo < len(ends):
            hi = max(int(np.searchsorted(ends, done + size, side="right")), lo + 1)
            out.append((lo, hi))
            lo, done = hi, int(ends[hi - 1])
        return out

    def pairs(self, lo: int, hi: int) -> Pairs:
        """Classes lo..hi-1's candidate pairs whose units are known (the rest are A40's),
        in the order of the module docstring."""
        begin = self.table.start[self.product[lo:hi]]
        degree = self.degree[lo:hi]
        k = np.repeat(np.arange(lo, hi, dtype=np.int64), degree)
        offset = np.arange(len(k), dtype=np.int64) - np.repeat(np.cumsum(degree) - degree, degree)
        at = np.repeat(begin, degree) + offset
        lic, down = self.table.lic[at], self.table.down[at]
        units = self._units(k, lic)
        if units is None:
            return Pairs(k, lic, np.ones(len(k), dtype=np.int64), down)
        keep = np.flatnonzero(units >= 0)
        return Pairs(k[keep], lic[keep], units[keep], down[keep])

    def _units(self, k: Ints, lic: Ints) -> Ints | None:
        """R28/A19/A40 units per pair, -1 where unknown; None where every pair draws 1.
        Device and user licences draw 1 whatever the size; a core or processor licence is
        asked once per distinct (type, cores, processors) among its pairs."""
        if not len(k) or not self.sized_type.any():
            return None
        pair_type = self.type_of[lic]
        which = np.flatnonzero(self.sized_type[pair_type])
        if not len(which):
            return None
        classes, class_at = np.unique(k[which], return_inverse=True)
        cores, processors = self.sizes
        size_code: dict[tuple[int | None, int | None], int] = {}
        codes = [
            size_code.setdefault((cores[c], processors[c]), len(size_code))
            for c in classes.tolist()
        ]
        sizes = list(size_code)
        combo = pair_type[which] * len(sizes) + np.array(codes, dtype=np.int64)[class_at]
        distinct, at = np.unique(combo, return_inverse=True)
        minimums = self.ctx.settings.core_minimums
        answers = []
        for c in distinct.tolist():
            cores, processors = sizes[c % len(sizes)]
            got = licence_units(self.type_names[c // len(sizes)], cores, processors, minimums)
            answers.append(-1 if got is None else got)
        units = np.ones(len(k), dtype=np.int64)
        units[which] = np.array(answers, dtype=np.int64)[at]
        return units
