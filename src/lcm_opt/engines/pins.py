"""The direct-assignment pre-pass (R37-R40, A13, A14, A42), shared by every engine so
that pins are honoured identically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lcm_opt.compile.classes import LazyClasses
from lcm_opt.compile.problem import PairCheck, Problem
from lcm_opt.engines.base import GrantRecord, Remaining
from lcm_opt.rules.eligibility import Reach


@dataclass
class PinOutcome:
    grants: list[GrantRecord] = field(default_factory=list)
    covered: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)  # consumptions with a failed pin, uncovered
    warnings: list[str] = field(default_factory=list)


def _refusal(
    problem: Problem, licence: int, product: int, check: PairCheck, remaining: Remaining
) -> str | None:
    if not problem.candidate(licence):
        return "the licence is not a candidate (status, seats or type: R6-R8, A9)"
    if not check.compatible:
        return "the licence's type cannot meter this product's metric (R7, A9)"
    if check.reach is None:
        return "the licence's product does not reach the consumption's product (R10, R31, R36)"
    if check.fenced:
        return "the licence is ring-fenced: it is tracked to other products only (L4)"
    if check.units is None:
        return "the consumption's cores are unknown (A40)"
    if problem.scenario.settings.direct_checks_requirements and not check.requirements_ok:
        return "the pair fails a requirement (direct_checks_requirements, A14)"
    if not remaining.fits(licence, check.units):
        return "not enough capacity left on the licence for the whole consumption (R40)"
    cap = remaining.cap_left(licence, product)
    if cap is not None and cap < check.units:
        return (
            f"the Track Deployment cap of the licence for product {problem.product_ids[product]}"
            f" has {cap} units left, the consumption needs {check.units} (L5, A45)"
        )
    return None


def apply_pins(problem: Problem, remaining: Remaining, *, reference: bool = False) -> PinOutcome:
    """Pins in (licence, consumption) order (A3); each honoured only if the licence is a
    candidate, reaches the product, is not ring-fenced to other products (L4) and holds the
    whole consumption within its pool and Track Deployment cap (A13, A45). Requirements
    are bypassed unless settings.direct_checks_requirements (A14). A pinned pair that is an
    eligible edge is read from the edge; `reference` checks every pair through the rules."""
    outcome = PinOutcome()
    pair_check = problem.check if reference else _pair_check(problem)
    class_product = problem.class_columns.product
    for pin in problem.pins:
        c, lic = pin.consumption, pin.licence
        label = f"pin {problem.licence_ids[lic]} -> {problem.consumption_ids[c]}"
        if c in outcome.covered:
            outcome.warnings.append(f"{label} not honoured: already covered by another pin (A42)")
            continue
        check = pair_check(c, lic)
        product = int(class_product[problem.consumption_class[c]])
        refusal = _refusal(problem, lic, product, check, remaining)
        if refusal is not None:
            outcome.warnings.append(f"{label} not honoured: {refusal}")
            outcome.failed.add(c)
            continue
        assert check.units is not None
        remaining.take(lic, check.units, product)
        outcome.covered.add(c)
        outcome.grants.append(
            GrantRecord(c, lic, check.units, True, check.score, check.reach is Reach.DOWNGRADE)
        )
    outcome.failed -= outcome.covered  # A42: another pin on the consumption held
    return outcome


def _pair_check(problem: Problem) -> Callable[[int, int], PairCheck]:
    """`problem.pair_check`; for compile's classes, a pair that is an eligible edge is read
    from the edge columns, no class made: compile scored those edges with the rule set's
    vectorised evaluation, equal to its score of the pair (RuleSet.evaluate_pairs), and
    only compile makes LazyClasses (a problem with rewritten scores holds its classes)."""
    if not isinstance(problem.classes, LazyClasses):
        return problem.pair_check
    arrays = problem.edge_arrays
    starts = arrays.start
    class_of = problem.consumption_class

    def check(consumption: int, licence: int) -> PairCheck:
        k = class_of[consumption]
        a, b = int(starts[k]), int(starts[k + 1])
        licences = arrays.licence[a:b].tolist()
        if licence not in licences:
            return problem.pair_check(consumption, licence)
        row = a + licences.index(licence)
        reach = Reach.DOWNGRADE if arrays.downgrade[row] else Reach.EXACT
        return PairCheck(reach, True, int(arrays.units[row]), True, int(arrays.score[row]))

    return check
