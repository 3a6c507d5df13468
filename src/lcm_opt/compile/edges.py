"""Eligible edges of every class at once: candidate pairs are built as arrays (pairs.py)
block by block of classes, requirements and scores come from the rule set's vectorised
evaluation (RuleSet.pair_evaluator), and kept as columns (edge_arrays.py). Edge objects,
where a consumer asks for every class (classes.py), are shared between classes that reach
a licence with the same score and units.

The outcome is exactly build.py's per-pair `_edges` for every class: the same edges in the
same order (score desc, licence asc: R25, A3) and the same `detail` when none is left."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lcm_opt.compile.edge_arrays import Block, EdgeArrays, from_blocks
from lcm_opt.compile.evaluator import Evaluator
from lcm_opt.compile.order import first_of_equal, stable_order, unique_inverse
from lcm_opt.compile.pairs import (
    Candidates,
    CandidateTable,
    Ints,
    Mask,
    PairMaker,
    Pairs,
    Sizes,
)
from lcm_opt.compile.problem import Edge
from lcm_opt.rules.eligibility import allocation_rule_ok, effective_allocation_rule
from lcm_opt.rules.language.types import Values

NO_SIZE = "cores unknown (A40)"
NO_REQUIREMENT = "requirement: every candidate licence fails a requirement (R14)"

__all__ = ["Candidates", "class_edges", "edge_order", "shared_edge_objects"]


BLOCK = 1 << 17
"""Candidate pairs judged together: each block's temporary arrays are small enough to be
reused from block to block, where arrays over every pair would each take fresh memory."""


def class_edges(
    ctx: Evaluator,
    product: Ints,
    product_ids: Sequence[str],
    sizes: Sizes,
    raws: Sequence[Mapping[str, object]],
    values: Sequence[Values],
    candidates: Candidates,
    licence_groups: Sequence[str],
    numbered: tuple[Ints, Sequence[Values]] | None = None,
) -> tuple[list[str | None], EdgeArrays]:
    """Per class (its product index, its cores and processors, its first member's raw
    attributes and its rule values): why it has no edge (None where it has some); and every
    class's edges as columns. `licence_groups`: each licence's split group (A32);
    `numbered`: each class's rule values as a number into the distinct ones, where the
    caller has them (else they are numbered here)."""
    table = CandidateTable.of(product_ids, candidates)
    details = list(map(table.detail.__getitem__, product.tolist()))
    maker = PairMaker(ctx, table, product, sizes)
    judge = _Judge(ctx, raws, numbered or _numbered(values))
    sized = np.zeros(len(product), dtype=bool)  # classes with a pair of known units
    blocks = []
    for lo, hi in maker.blocks(BLOCK):
        pairs = maker.pairs(lo, hi)
        sized[pairs.k] = True
        blocks.append(judge(pairs, lo, hi))
    arrays = from_blocks(blocks, len(product), licence_groups)
    # classes with candidates but no edge: none sized (A40), or every sized one failed
    bare = (arrays.start[1:] == arrays.start[:-1]) & (maker.degree > 0)
    for k in np.flatnonzero(bare).tolist():
        details[k] = NO_REQUIREMENT if sized[k] else NO_SIZE
    return details, arrays


def _numbered(values: Sequence[Values]) -> tuple[Ints, Sequence[Values]]:
    """Each class's rule values as a number into the distinct ones (by first class)."""
    first, dense = unique_inverse(first_of_equal(values), len(values))
    return dense, list(map(values.__getitem__, first.tolist()))


class _Judge:
    """The eligible edges of a block of pairs: requirements and scores by the rule set's
    vectorised evaluation over the distinct rule values, explicit Allocation Rules pair by
    pair; kept in edge order."""

    def __init__(
        self,
        ctx: Evaluator,
        raws: Sequence[Mapping[str, object]],
        numbered: tuple[Ints, Sequence[Values]],
    ) -> None:
        self.cv_of_class, distinct = numbered
        within = ctx.hierarchy.within
        self.evaluate = ctx.rules.pair_evaluator(distinct, ctx.values, within, ctx.exclusive)
        self.ctx, self.raws = ctx, raws
        self.ruled = {
            li: rule
            for li, licence in enumerate(ctx.licences)
            if (rule := effective_allocation_rule(licence, ctx.products[licence.product]))
        }
        self.ruled_at = np.array(sorted(self.ruled), dtype=np.int64)

    def __call__(self, pairs: Pairs, lo: int, hi: int) -> Block:
        k, lic = pairs.k, pairs.lic
        # a pair failing the requirements is dropped (no score read) unless its licence's
        # own Allocation Rule decides it instead
        scored = np.isin(lic, self.ruled_at) if self.ruled else np.zeros(len(lic), dtype=bool)
        ok, score = self.evaluate(self.cv_of_class[k], lic, scored)
        if self.ruled:
            self._explicit_rules(k, lic, ok)
        kept = np.flatnonzero(ok)
        k, lic, score, down = k[kept], lic[kept], score[kept], pairs.down[kept]
        order = _by_score(k - lo, score, down)
        return Block(
            count=np.bincount(k - lo, minlength=hi - lo),
            licence=lic[order],
            score=score[order],
            units=pairs.units[kept][order],
            downgrade=down[order],
        )

    def _explicit_rules(self, k: Ints, lic: Ints, ok: Mask) -> None:
        """A15(c): a licence with an explicit Allocation Rule replaces the rule set's
        requirements by it; those pairs are decided one by one (they are few), each
        class's attributes read once."""
        ctx, ruled = self.ctx, self.ruled
        raw_of: dict[int, Mapping[str, object]] = {}
        which = np.flatnonzero(np.isin(lic, self.ruled_at))
        for j, li, c in zip(which.tolist(), lic[which].tolist(), k[which].tolist(), strict=True):
            raw = raw_of.get(c)
            if raw is None:
                raw = raw_of[c] = self.raws[c]
            ok[j] = allocation_rule_ok(ruled[li], raw, ctx.licences[li], ctx.hierarchy)


def _by_score(k: Ints, score: Ints, down: Mask) -> Ints:
    """`edge_order` of pairs already in (class, downgrade, licence) order: a stable sort
    by (class, downgrade, score desc) leaves each tie in licence order. Where the key fits
    two 16-bit digits it is radix-sorted (order.py), else merge-sorted as one int64."""
    if not len(k):
        return np.zeros(0, dtype=np.int64)
    s_max = int(score.max())
    s_span = s_max - int(score.min()) + 1
    bound = (int(k.max()) + 1) * 2 * s_span
    if bound >= 2**62:
        return np.lexsort((-score, down, k))
    key = (k * 2 + down) * s_span + (s_max - score)
    if bound <= 2**32:
        return stable_order(key, bound)
    order: Ints = np.argsort(key, kind="stable")
    return order


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
