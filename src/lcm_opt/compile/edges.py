"""Eligible edges of every class at once: candidate pairs are built as arrays per
product, requirements and scores come from the rule set's vectorised evaluation
(RuleSet.evaluate_pairs), and kept as columns (edge_arrays.py). Edge objects, where a
consumer asks for every class (classes.py), are shared between classes that reach a
licence with the same score and units.

The outcome is exactly build.py's per-pair `_edges` for every class: the same edges in the
same order (score desc, licence asc: R25, A3) and the same `detail` when none is left."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lcm_opt.compile.edge_arrays import EdgeArrays, from_columns
from lcm_opt.compile.evaluator import Evaluator
from lcm_opt.compile.problem import Edge
from lcm_opt.domain import TYPE_CODES, Metric
from lcm_opt.rules.eligibility import (
    Reach,
    allocation_rule_ok,
    effective_allocation_rule,
    licence_units,
    split_group,
)
from lcm_opt.rules.language.types import Values

NO_SIZE = "cores unknown (A40)"
NO_REQUIREMENT = "requirement: every candidate licence fails a requirement (R14)"

Candidates = Mapping[str, tuple[list[tuple[int, Reach]], str | None]]


def class_edges(
    ctx: Evaluator,
    products: Sequence[str],
    raws: Sequence[Mapping[str, object]],
    values: Sequence[Values],
    candidates: Candidates,
) -> tuple[list[str | None], EdgeArrays]:
    """Per class (its product, first member's raw attributes and rule values): why it has
    no edge (None where it has some); and every class's edges as columns."""
    details: list[str | None] = [None] * len(products)
    pairs = _Pairs()
    by_product: dict[str, list[int]] = {}
    for k, product in enumerate(products):
        by_product.setdefault(product, []).append(k)
    unsized = np.zeros(len(products), dtype=bool)  # candidates, but maybe none sized
    for product, ks in by_product.items():
        cands, detail = candidates[product]
        if not cands:
            for k in ks:
                details[k] = detail
            continue
        unsized[ks] = True
        pairs.add(ctx, ks, cands, raws)
    groups = [split_group(licence) for licence in ctx.licences]
    sized = np.zeros(len(products), dtype=bool)
    if pairs.size:
        columns = _evaluate(ctx, pairs, raws, values, sized)
    else:
        empty = np.zeros(0, dtype=np.int64)
        columns = (empty, empty, empty, empty, np.zeros(0, dtype=bool))
    arrays = from_columns(*columns, classes=len(products), licence_groups=groups)
    bare = arrays.start[1:] == arrays.start[:-1]
    for k in np.flatnonzero(unsized & bare).tolist():
        details[k] = NO_REQUIREMENT if sized[k] else NO_SIZE
    return details, arrays


class _Pairs:
    """Candidate (class, licence) pairs with known units, as growing array parts: per
    column (class, licence, units, downgrade), its parts."""

    def __init__(self) -> None:
        self.columns: list[list[np.ndarray]] = [[], [], [], []]
        self.size = 0

    def add(
        self,
        ctx: Evaluator,
        ks: list[int],
        cands: list[tuple[int, Reach]],
        raws: Sequence[Mapping[str, object]],
    ) -> None:
        lic = np.array([li for li, _ in cands], dtype=np.int64)
        down = np.array([how is Reach.DOWNGRADE for li, how in cands], dtype=bool)
        units = _units(ctx, ks, lic, raws)  # (classes, candidates), -1 = unknown (A40)
        k_arr = np.repeat(np.array(ks, dtype=np.int64), len(lic))
        flat = units.ravel()
        keep = flat >= 0
        parts = (k_arr[keep], np.tile(lic, len(ks))[keep], flat[keep], np.tile(down, len(ks))[keep])
        for column, part in zip(self.columns, parts, strict=True):
            column.append(part)
        self.size += int(keep.sum())

    def arrays(self) -> list[np.ndarray]:
        """The pairs as columns; each column's parts are let go once it is joined, so that
        the pairs are never held twice over."""
        out = []
        while self.columns:
            out.append(np.concatenate(self.columns.pop(0)))
        return out


def _units(
    ctx: Evaluator, ks: list[int], lic: np.ndarray, raws: Sequence[Mapping[str, object]]
) -> np.ndarray:
    """R28/A19/A40 units per (class, candidate): one column per licence type, computed
    per distinct (cores, processors); device and user types draw 1 whatever the size."""
    types = [ctx.licences[li].type for li in lic.tolist()]
    columns: dict[str, np.ndarray] = {}
    for kind in dict.fromkeys(types):
        if TYPE_CODES[kind] not in (Metric.CORE, Metric.PROCESSOR):
            columns[kind] = np.ones(len(ks), dtype=np.int64)
            continue
        memo: dict[tuple[object, object], int] = {}
        column = []
        for k in ks:
            size = (raws[k]["cores"], raws[k]["processors"])
            value = memo.get(size)
            if value is None:
                cores, processors = size
                assert cores is None or isinstance(cores, int)
                assert processors is None or isinstance(processors, int)
                units = licence_units(kind, cores, processors, ctx.settings.core_minimums)
                value = memo[size] = -1 if units is None else units
            column.append(value)
        columns[kind] = np.array(column, dtype=np.int64)
    return np.stack([columns[kind] for kind in types], axis=1)


def _evaluate(
    ctx: Evaluator,
    pairs: _Pairs,
    raws: Sequence[Mapping[str, object]],
    values: Sequence[Values],
    sized: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The eligible edges as columns (class, licence, score, units, downgrade), sorted by
    class and each class's edge order; marks in `sized` the classes with a sized pair."""
    k, lic, units, down = pairs.arrays()
    sized[k] = True
    distinct: dict[Values, int] = {}
    cv_of_class = np.array([distinct.setdefault(v, len(distinct)) for v in values], dtype=np.int64)
    ok, score = ctx.rules.evaluate_pairs(
        list(distinct), ctx.values, cv_of_class[k], lic, ctx.hierarchy.within, ctx.exclusive
    )
    _explicit_rules(ctx, k, lic, raws, ok)
    kept = np.flatnonzero(ok)
    del ok
    k, lic, score, units, down = k[kept], lic[kept], score[kept], units[kept], down[kept]
    order = edge_order(k, lic, score, down)
    return k[order], lic[order], score[order], units[order], down[order]


def edge_order(k: np.ndarray, lic: np.ndarray, score: np.ndarray, down: np.ndarray) -> np.ndarray:
    """The order of the pairs by class, then exact edges before downgrade ones, each by
    (score desc, licence asc): `np.lexsort((lic, -score, down, k))`. Every (class, licence)
    is one pair, so the keys are distinct and one sort of them as a single int64 (where
    it holds them) gives the same order."""
    if not len(k):
        return np.zeros(0, dtype=np.int64)
    s_max = int(score.max())
    s_span, l_span = s_max - int(score.min()) + 1, int(lic.max()) + 1
    if (int(k.max()) + 1) * 2 * s_span * l_span >= 2**62:
        return np.lexsort((lic, -score, down, k))
    key = ((k * 2 + down) * s_span + (s_max - score)) * l_span + lic
    return np.argsort(key)


def shared_edge_objects(
    groups: Sequence[str],
    lic: np.ndarray,
    score: np.ndarray,
    units: np.ndarray,
    down: np.ndarray,
) -> list[Edge]:
    """One Edge object per distinct (licence, score, units, downgrade), shared by every
    class that has it: the pairs are numbered by that key as one integer in arrays, and
    only the distinct keys become Python objects. `groups`: each licence's split group."""
    if not len(lic):
        return []
    key = _pair_key(lic, score, units, down)
    if key is None:  # keys too wide for one int64: a dictionary instead
        cache: dict[tuple[int, int, int, bool], Edge] = {}
        columns = (lic.tolist(), score.tolist(), units.tolist(), down.tolist())
        return [
            cache.get(k) or cache.setdefault(k, Edge(k[0], k[1], k[2], groups[k[0]], k[3]))
            for k in zip(*columns, strict=True)
        ]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    del key
    shared = np.empty(len(first), dtype=object)
    shared[:] = [
        Edge(li, sc, u, groups[li], dg)
        for li, sc, u, dg in zip(
            lic[first].tolist(),
            score[first].tolist(),
            units[first].tolist(),
            down[first].tolist(),
            strict=True,
        )
    ]
    # an object array indexed in C: no Python int per pair on the way
    picked: list[Edge] = shared[inverse.reshape(-1)].tolist()
    return picked


def _pair_key(
    lic: np.ndarray, score: np.ndarray, units: np.ndarray, down: np.ndarray
) -> np.ndarray | None:
    """(licence, downgrade, units, score) as one int64 per pair, None when it cannot hold
    them (licence indices and unit counts are small; score spans are bounded by rules)."""
    s_min, u_min = int(score.min()), int(units.min())
    s_span, u_span = int(score.max()) - s_min + 1, int(units.max()) - u_min + 1
    if (int(lic.max()) + 1) * 2 * u_span * s_span >= 2**62:
        return None
    key: np.ndarray = ((lic * 2 + down) * u_span + (units - u_min)) * s_span + (score - s_min)
    return key


def _explicit_rules(
    ctx: Evaluator,
    k: np.ndarray,
    lic: np.ndarray,
    raws: Sequence[Mapping[str, object]],
    ok: np.ndarray,
) -> None:
    """A15(c): a licence with an explicit Allocation Rule replaces the rule set's
    requirements by it; those pairs are decided one by one (they are few)."""
    ruled = {
        li: rule
        for li, licence in enumerate(ctx.licences)
        if (rule := effective_allocation_rule(licence, ctx.products[licence.product]))
    }
    if not ruled:
        return
    for j in np.flatnonzero(np.isin(lic, list(ruled))).tolist():
        li = int(lic[j])
        licence = ctx.licences[li]
        ok[j] = allocation_rule_ok(ruled[li], raws[int(k[j])], licence, ctx.hierarchy)
