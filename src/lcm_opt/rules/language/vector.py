"""RuleSet.evaluate_pairs: the compiled rules over many (consumption, licence) pairs at once.

Columns are built once per call over the distinct value vectors (few), then gathered per
chunk of pairs (many), so memory stays at a few arrays of the chunk size. A rule whose
plan meets something vector_values cannot answer exactly runs its closure over that chunk.
`within` is asked only once per distinct (a, b) string pair of the call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lcm_opt.domain.org import Dimension
from lcm_opt.rules.language.types import Side, Values, WithinFn, _Pred
from lcm_opt.rules.language.vector_coded import slot_column, slot_values, vector_list
from lcm_opt.rules.language.vector_columns import Column, WithinAnswers, within_operands
from lcm_opt.rules.language.vector_plan import (
    PArith,
    PCoalesce,
    PCompare,
    PConst,
    PIif,
    PIsNull,
    Plan,
    PLogic,
    PNot,
    PSlot,
    PWithin,
    VectorRules,
    walk,
)
from lcm_opt.rules.language.vector_values import (
    Cond,
    Ints,
    Mask,
    StrTable,
    Unsupported,
    V,
    arith,
    compare,
    constant,
    from_cond,
    logic,
    negate,
    nulls,
    select,
    truth,
)

CHUNK = 1 << 17
"""Pairs evaluated together: large enough to amortise numpy calls, small enough for cache."""


class _Call:
    """Everything one evaluate_pairs call derives from the distinct vectors."""

    def __init__(
        self,
        rules: VectorRules,
        cvs: Sequence[Values],
        lvs: Sequence[Values],
        within: WithinFn,
        exclusive: bool,
    ) -> None:
        self.exclusive = exclusive
        rows: dict[Side, Sequence[Values]] = {"C": cvs, "L": lvs}
        value_slots: set[tuple[Side, int]] = set()
        within_slots: set[_WithinKey] = set()
        literals: set[str] = set()
        for plan in (*rules.requirements, *rules.affinities):
            for p in walk(plan):
                if isinstance(p, PSlot):
                    value_slots.add((p.side, p.index))
                elif isinstance(p, PWithin):
                    within_slots.add((p.a, p.b, p.dimension, exclusive and not p.requirement))
                elif isinstance(p, PConst) and type(p.value) is str:
                    literals.add(p.value)
                elif isinstance(p, PConst) and type(p.value) is int and -(2**63) <= p.value < 2**63:
                    literals.add(str(p.value))  # for comparing the literal with text
        operands = {(p.side, p.index) for a, b, _, _ in within_slots for p in (a, b)}
        raw = {key: slot_values(rows[key[0]], key[1]) for key in operands}
        columns = {key: slot_column(rows[key[0]], key[1]) for key in value_slots | operands}
        self.operands = {
            (a, b): within_operands(
                (raw[a.side, a.index], columns[a.side, a.index]),
                (raw[b.side, b.index], columns[b.side, b.index]),
            )
            for a, b, _, _ in within_slots
        }
        self.answers = {
            (a, b, dim, strict): WithinAnswers(self.operands[a, b].names, dim, strict, within)
            for a, b, dim, strict in within_slots
        }
        self.table = StrTable([literals, *(columns[key].names for key in value_slots)])
        self.columns: dict[tuple[Side, int], Column] = {}
        for key in value_slots:
            col = columns[key]
            if col.kind == "str":  # local codes -> the shared table's
                codes = np.fromiter(map(self.table.code.__getitem__, col.names), np.int64)
                col = Column("str", codes[col.data], col.null)
            self.columns[key] = col


_WithinKey = tuple[PSlot, PSlot, Dimension, bool]


class _Chunk:
    """One chunk of pairs: plans -> arrays, slot gathers shared by all rules."""

    def __init__(self, call: _Call, ci: Ints, li: Ints) -> None:
        self.call, self.ci, self.li, self.n = call, ci, li, len(ci)
        self.table = call.table
        self.slots: dict[tuple[Side, int], V] = {}
        self.withins: dict[tuple[PSlot, PSlot], tuple[Ints, Mask, Mask]] = {}
        # per plan node (build_plan shares equal subtrees): its value, its condition
        self.values: dict[int, V] = {}
        self.conds: dict[int, Cond] = {}

    def _rows(self, side: Side) -> Ints:
        return self.ci if side == "C" else self.li

    def _slot(self, p: PSlot) -> V:
        got = self.slots.get((p.side, p.index))
        if got is None:
            column = self.call.columns[p.side, p.index]
            if column.kind == "null":
                got = constant(None, self.n, self.table)
            else:
                rows = self._rows(p.side)
                null = (
                    column.null[rows] if column.nullable else np.broadcast_to(np.False_, rows.shape)
                )
                got = V(column.kind, column.data[rows], null)
            self.slots[p.side, p.index] = got
        return got

    def value(self, p: Plan) -> V:
        got = self.values.get(id(p))
        if got is None:
            got = self.values[id(p)] = self._value(p)
        return got

    def cond(self, p: Plan) -> Cond:
        """The condition's (TRUE, NULL) masks; `[0]` is what `_predicate` accepts."""
        got = self.conds.get(id(p))
        if got is None:
            got = self.conds[id(p)] = self._cond(p)
        return got

    def _value(self, p: Plan) -> V:
        if isinstance(p, PConst):
            return constant(p.value, self.n, self.table)
        if isinstance(p, PSlot):
            return self._slot(p)
        if isinstance(p, PArith):
            return arith(p.symbol, self.value(p.a), self.value(p.b), self.table)
        if isinstance(p, PIif):
            return select(self.cond(p.c)[0], self.value(p.a), self.value(p.b))
        if isinstance(p, PCoalesce):
            x = self.value(p.x)
            return select(~x.null, x, self.value(p.y))
        return from_cond(self.cond(p))

    def _cond(self, p: Plan) -> Cond:
        if isinstance(p, PCompare):
            a, b = self.value(p.a), self.value(p.b)
            return compare(p.symbol, a, b, p.null_a, p.null_b, self.table)
        if isinstance(p, PWithin):
            return self._within(p)
        if isinstance(p, PLogic):
            return logic(p.conjunction, (self.cond(item) for item in p.items))
        if isinstance(p, PNot):
            return negate(self.cond(p.x))
        if isinstance(p, PIsNull):
            return np.asarray(self.value(p.x).null), np.zeros(self.n, dtype=np.bool_)
        return truth(self.value(p), self.table)

    def _within(self, p: PWithin) -> Cond:
        strict = self.call.exclusive and not p.requirement
        answers = self.call.answers[p.a, p.b, p.dimension, strict]
        got = self.withins.get((p.a, p.b))
        if got is None:
            operands = self.call.operands[p.a, p.b]
            x = operands.x[self._rows(p.a.side)]
            y = operands.y[self._rows(p.b.side)]
            got = self.withins[p.a, p.b] = (
                x * (operands.k + 1) + y,
                x == operands.k,
                y == operands.k,
            )
        combo, x_null, y_null = got
        hit = answers.lookup(combo)  # FALSE where either side is NULL
        if not (p.null_a or p.null_b):
            return hit, x_null | y_null
        forced, null = nulls(x_null, p.null_a, y_null, p.null_b)
        return hit | forced, null


class PairEvaluator:
    """RuleSet.evaluate_pairs over fixed distinct vectors, called once per batch of pairs:
    the columns of the vectors and the `within` answers are built once and shared."""

    def __init__(
        self,
        rules: VectorRules,
        requirements: Sequence[_Pred],
        affinities: Sequence[tuple[_Pred, int]],
        cvs: Sequence[Values],
        lvs: Sequence[Values],
        within: WithinFn,
        exclusive: bool,
    ) -> None:
        self.rules, self.requirements, self.affinities = rules, requirements, affinities
        self.cvs, self.lvs, self.within, self.exclusive = cvs, lvs, within, exclusive
        self._call: _Call | None = None

    def __call__(self, ci: Ints, li: Ints, scored: Mask | None = None) -> tuple[Mask, Ints]:
        """(ok, score) of every pair j of (cvs[ci[j]], lvs[li[j]]); `ci`, `li`: 1-d integer
        arrays of one length. With `scored` (a mask of that length), only the pairs that
        are ok or marked there are scored, the others' score is 0: the caller reads none."""
        ci, li = _indices(ci), _indices(li)
        if ci.ndim != 1 or ci.shape != li.shape:
            raise ValueError(f"ci and li must be 1-d of one length, got {ci.shape} and {li.shape}")
        if scored is not None and scored.shape != ci.shape:
            raise ValueError(f"scored must have the pairs' shape {ci.shape}, got {scored.shape}")
        n = len(ci)
        ok = np.ones(n, dtype=np.bool_)
        score = np.zeros(n, dtype=np.int64)
        if n == 0 or not (self.requirements or self.affinities):
            return ok, score
        if self._call is None:
            self._call = _Call(self.rules, self.cvs, self.lvs, self.within, self.exclusive)
        for start in range(0, n, CHUNK):
            part = slice(start, start + CHUNK)
            chunk = _Chunk(self._call, ci[part], li[part])
            ok[part], score[part] = self._chunk(chunk, None if scored is None else scored[part])
        return ok, score

    def _chunk(self, chunk: _Chunk, scored: Mask | None) -> tuple[Mask, Ints]:
        passed = self._passed(chunk)
        if scored is None or (wanted := passed | scored).all():
            return passed, self._scores(chunk)
        # only the wanted pairs scored: a chunk of their own (its slots gathered anew)
        at = np.flatnonzero(wanted)
        total = np.zeros(chunk.n, dtype=np.int64)
        if len(at):
            total[at] = self._scores(_Chunk(chunk.call, chunk.ci[at], chunk.li[at]))
        return passed, total

    def _passed(self, chunk: _Chunk) -> Mask:
        within = self.within
        deferred: list[_Pred] = []
        passed = np.ones(chunk.n, dtype=np.bool_)
        for plan, req in zip(self.rules.requirements, self.requirements, strict=True):
            try:
                passed &= chunk.cond(plan)[0]
            except Unsupported:
                deferred.append(req)
        if deferred:
            cvs, lvs = vector_list(self.cvs), vector_list(self.lvs)
            todo = np.flatnonzero(passed)
            pairs = zip(chunk.ci[todo].tolist(), chunk.li[todo].tolist(), strict=True)
            passed[todo] = [
                all(req(cvs[c], lvs[lv], within, False) for req in deferred) for c, lv in pairs
            ]
        return passed

    def _scores(self, chunk: _Chunk) -> Ints:
        within = self.within
        total = np.zeros(chunk.n, dtype=np.int64)
        for plan, (pred, weight) in zip(self.rules.affinities, self.affinities, strict=True):
            try:
                hit = chunk.cond(plan)[0]
            except Unsupported:
                cvs, lvs = vector_list(self.cvs), vector_list(self.lvs)
                pairs = zip(chunk.ci.tolist(), chunk.li.tolist(), strict=True)
                fired = (pred(cvs[c], lvs[lv], within, self.exclusive) for c, lv in pairs)
                hit = np.fromiter(fired, dtype=np.bool_, count=chunk.n)
            total += hit * weight
        return total


def _indices(a: Ints) -> Ints:
    """As int64 unless already of an integer type (then not copied)."""
    a = np.asarray(a)
    return a if a.dtype.kind in "iu" else np.asarray(a, dtype=np.int64)


def evaluate_pairs(
    rules: VectorRules,
    requirements: Sequence[_Pred],
    affinities: Sequence[tuple[_Pred, int]],
    cvs: Sequence[Values],
    lvs: Sequence[Values],
    ci: Ints,
    li: Ints,
    within: WithinFn,
    exclusive: bool,
) -> tuple[Mask, Ints]:
    """RuleSet.evaluate_pairs; `requirements` / `affinities` are the closures, one per plan."""
    evaluate = PairEvaluator(rules, requirements, affinities, cvs, lvs, within, exclusive)
    return evaluate(ci, li)
