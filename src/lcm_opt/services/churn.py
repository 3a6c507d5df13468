"""Stability against a previous run (scenario `previous_allocation`): which consumptions
keep their licences, move, become covered or uncovered. Order-independent commercial
engines reshuffle on every recalculation; this makes it visible."""

from __future__ import annotations

from collections import defaultdict

from lcm_opt.domain import Result, natural_key
from lcm_opt.domain.result import Churn


def _held(result: Result) -> dict[str, frozenset[str]]:
    held: dict[str, set[str]] = defaultdict(set)
    for g in result.grants:
        held[g.consumption].add(g.licence)
    return {c: frozenset(ls) for c, ls in held.items()}


def churn(previous: Result, current: Result, source: str) -> Churn:
    """Compare by consumption id: kept (same licences), moved (covered in both, other
    licences), newly covered, newly uncovered; ids listed in natural order (A31)."""
    before, after = _held(previous), _held(current)
    both = before.keys() & after.keys()

    def ids(values: set[str]) -> tuple[str, ...]:
        return tuple(sorted(values, key=natural_key))

    return Churn(
        previous=source,
        kept=sum(1 for c in both if before[c] == after[c]),
        moved=ids({c for c in both if before[c] != after[c]}),
        newly_covered=ids(set(after) - set(before)),
        newly_uncovered=ids(set(before) - set(after)),
    )
