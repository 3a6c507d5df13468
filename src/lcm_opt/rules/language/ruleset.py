"""The compiled RuleSet and parse_rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lcm_opt.rules.language.types import Values, WithinFn, _Pred

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
    _requirements: tuple[_Pred, ...] = field(repr=False, compare=False)
    _affinities: tuple[tuple[_Pred, int], ...] = field(repr=False, compare=False)

    def consumption_values(self, raw: Mapping[str, object]) -> Values:
        """Hashable vector of exactly what the rules read from a consumption (its class key)."""
        return self._consumption_vector(raw)

    def licence_values(self, raw: Mapping[str, object]) -> Values:
        return self._licence_vector(raw)

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

    def has_requirements(self) -> bool:
        return bool(self._requirements)
