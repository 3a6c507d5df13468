"""The compiled RuleSet and parse_rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from lcm_opt.rules.language.types import Values, WithinFn, _Pred
from lcm_opt.rules.language.vector import PairEvaluator, evaluate_pairs
from lcm_opt.rules.language.vector_plan import VectorRules
from lcm_opt.rules.language.vector_rows import PlainRows, Rows, VectorOfRows

# ---------------------------------------------------------------------------------------------
# The rule set
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    """A compiled rule set. Value vectors are opaque: build them with `consumption_values` /
    `licence_values` once per consumption / licence, then evaluate pairs."""

    name: str
    consumption_fields: frozenset[str]
    licence_fields: frozenset[str]
    max_score: int
    _lines: tuple[str, ...] = field(repr=False)
    _consumption_vector: Callable[[Mapping[str, object]], Values] = field(repr=False, compare=False)
    _licence_vector: Callable[[Mapping[str, object]], Values] = field(repr=False, compare=False)
    _consumption_rows: VectorOfRows = field(repr=False, compare=False)
    _licence_rows: VectorOfRows = field(repr=False, compare=False)
    _requirements: tuple[_Pred, ...] = field(repr=False, compare=False)
    _affinities: tuple[tuple[_Pred, int], ...] = field(repr=False, compare=False)
    _plans: VectorRules = field(repr=False, compare=False)
    # per Requirement: its line and the fields it reads, (display name, side, slot)
    _described: tuple[tuple[str, tuple[tuple[str, str, int], ...]], ...] = field(
        default=(), repr=False, compare=False
    )

    def consumption_values(self, raw: Mapping[str, object]) -> Values:
        """Hashable vector of exactly what the rules read from a consumption (its class key)."""
        return self._consumption_vector(raw)

    def consumption_values_of(self, rows: Rows, n: int, *, alike: bool = False) -> list[Values]:
        """`consumption_values` of n consumptions given as rows: `rows(keys)` lists, per
        consumption, its raw values under `keys` (as `consumption_raw` gives them, e.g.
        `consumption_rows`); element i equals `consumption_values` of consumption i's raw
        mapping. `alike`: the caller vouches that every raw value is a str, an int or None
        (as in validated consumptions), which spares checking them."""
        return self._consumption_rows(rows, n, alike)

    def consumption_values_are_raw(self) -> bool:
        """Whether a consumption's values are its raw values under `consumption_fields`
        (`virtual` an int), so that consumptions whose raw values (str, int or None) differ
        there have different values."""
        return self.consumption_raw_keys() is not None

    def consumption_raw_keys(self) -> tuple[str, ...] | None:
        """Where a consumption's values are its raw values (`consumption_values_are_raw`),
        the raw keys they are under, in the vectors' order; else None."""
        rows = self._consumption_rows
        return rows.raw_keys if isinstance(rows, PlainRows) else None

    def licence_values(self, raw: Mapping[str, object]) -> Values:
        return self._licence_vector(raw)

    def licence_values_of(self, rows: Rows, n: int, *, alike: bool = False) -> list[Values]:
        """`consumption_values_of` for licences (`licence_rows`, `licence_raw`)."""
        return self._licence_rows(rows, n, alike)

    def requirements_ok(self, cv: Values, lv: Values, within: WithinFn) -> bool:
        """R14: every Requirement holds (requirement `within` is always inclusive)."""
        return all(req(cv, lv, within, False) for req in self._requirements)

    def score(self, cv: Values, lv: Values, within: WithinFn, exclusive: bool) -> int:
        """R23: sum of the weights of the affinities that hold; `exclusive` = A6 EXCLUSIVE."""
        total = 0
        for pred, weight in self._affinities:
            if pred(cv, lv, within, exclusive):
                total += weight
        return total

    def evaluate_pairs(
        self,
        cvs: Sequence[Values],
        lvs: Sequence[Values],
        ci: npt.NDArray[np.int64],
        li: npt.NDArray[np.int64],
        within: WithinFn,
        exclusive: bool,
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        """(ok, score) of every pair j of (cvs[ci[j]], lvs[li[j]]), vectorised with numpy:
        ok[j] == requirements_ok(...) and score[j] == score(..., exclusive), exactly. A rule
        numpy cannot answer exactly on these values (mixed-type columns, int64 overflow,
        string concatenation, ...) runs its closure on those pairs instead."""
        return evaluate_pairs(
            self._plans,
            self._requirements,
            self._affinities,
            cvs,
            lvs,
            ci,
            li,
            within,
            exclusive,
        )

    def pair_evaluator(
        self, cvs: Sequence[Values], lvs: Sequence[Values], within: WithinFn, exclusive: bool
    ) -> PairEvaluator:
        """`evaluate_pairs` over these vectors as a function of (ci, li), for pairs that come
        in batches: what it derives from the vectors is derived once."""
        return PairEvaluator(
            self._plans, self._requirements, self._affinities, cvs, lvs, within, exclusive
        )

    def failing_requirement(
        self, cv: Values, lv: Values, within: WithinFn
    ) -> tuple[str, tuple[tuple[str, object], ...]] | None:
        """The first Requirement the pair fails, as its line and the values of the fields
        it reads (consumption side first); None when all hold. For explanations only."""
        for req, (line, reads) in zip(self._requirements, self._described, strict=False):
            if not req(cv, lv, within, False):
                values = sorted(
                    ((name, (cv if side == "C" else lv)[slot]) for name, side, slot in reads),
                    key=lambda item: (not item[0].startswith("Consumption."), item[0]),
                )
                return line, tuple(values)
        return None

    def has_requirements(self) -> bool:
        return bool(self._requirements)
