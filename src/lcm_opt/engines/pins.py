"""The direct-assignment pre-pass (R37-R40, A13, A14, A42), shared by every engine so
that pins are honoured identically."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.classes import LazyClasses
from lcm_opt.compile.problem import PairCheck, Pin, Problem
from lcm_opt.engines.base import GrantRecord, Remaining
from lcm_opt.rules.eligibility import Reach

Mask = npt.NDArray[np.bool_]


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
    if not reference and isinstance(problem.classes, LazyClasses):
        return apply_pins_from_columns(problem, remaining)
    outcome = PinOutcome()
    pair_check = problem.check if reference else problem.pair_check
    class_product = problem.class_columns.product
    for pin in problem.pins:
        c = pin.consumption
        if c in outcome.covered:
            outcome.warnings.append(f"{_label(problem, pin)} not honoured: {_TWICE}")
            continue
        product = int(class_product[problem.consumption_class[c]])
        _judge(problem, remaining, outcome, pin, pair_check(c, pin.licence), product)
    outcome.failed -= outcome.covered  # A42: another pin on the consumption held
    return outcome


_TWICE = "already covered by another pin (A42)"


def _label(problem: Problem, pin: Pin) -> str:
    return f"pin {problem.licence_ids[pin.licence]} -> {problem.consumption_ids[pin.consumption]}"


def _judge(
    problem: Problem,
    remaining: Remaining,
    outcome: PinOutcome,
    pin: Pin,
    check: PairCheck,
    product: int,
) -> None:
    """One pin on a consumption no other pin covers: honoured, or refused with the reason."""
    c, lic = pin.consumption, pin.licence
    refusal = _refusal(problem, lic, product, check, remaining)
    if refusal is not None:
        outcome.warnings.append(f"{_label(problem, pin)} not honoured: {refusal}")
        outcome.failed.add(c)
        return
    assert check.units is not None
    remaining.take(lic, check.units, product)
    outcome.covered.add(c)
    outcome.grants.append(
        GrantRecord(c, lic, check.units, True, check.score, check.reach is Reach.DOWNGRADE)
    )


def apply_pins_from_columns(problem: Problem, remaining: Remaining) -> PinOutcome:
    """apply_pins for compile's classes: a pinned pair that is an eligible edge is read
    from the edge columns, no class made (compile scored those edges with the rule set's
    vectorised evaluation, equal to its score of the pair: RuleSet.evaluate_pairs; only
    compile makes LazyClasses, and a problem with rewritten scores holds its classes).
    Such a pin passes every check but the candidate, pool and cap ones, which are read
    in place; any other pin, or one refused, takes apply_pins' own steps."""
    outcome = PinOutcome()
    pins = problem.pins
    row, products = edge_rows(problem)
    arrays, found = problem.edge_arrays, row >= 0
    edges = (
        found.tolist(),
        _read(arrays.units, row, found),
        _read(arrays.score, row, found),
        _read(arrays.downgrade, row, found),
        products,
    )
    capacity, pool = problem.capacity, remaining.pool_view()
    covered, grants = outcome.covered, outcome.grants
    for pin, (edge, n, score, down, product) in zip(pins, zip(*edges, strict=True), strict=True):
        c, lic = pin.consumption, pin.licence
        if c in covered:
            outcome.warnings.append(f"{_label(problem, pin)} not honoured: {_TWICE}")
            continue
        if not edge:
            _judge(problem, remaining, outcome, pin, problem.pair_check(c, lic), product)
            continue
        left, caps = pool[lic], remaining.product_caps(product)
        cap = caps.get(lic)
        if capacity[lic] == 0 or (left is not None and left < n) or (cap is not None and cap < n):
            reach = Reach.DOWNGRADE if down else Reach.EXACT
            _judge(
                problem, remaining, outcome, pin, PairCheck(reach, True, n, True, score), product
            )
            continue
        if left is not None:
            pool[lic] = left - n
        if cap is not None:
            caps[lic] = cap - n
        covered.add(c)
        grants.append(GrantRecord(c, lic, n, True, score, down))
    outcome.failed -= outcome.covered  # A42: another pin on the consumption held
    return outcome


def _read(column: npt.NDArray[Any], row: npt.NDArray[np.int64], found: Mask) -> list[Any]:
    """`column[row]` where `found`, a zero elsewhere."""
    out = np.zeros(len(row), dtype=column.dtype)
    out[found] = column[row[found]]
    values: list[Any] = out.tolist()
    return values


def edge_rows(problem: Problem) -> tuple[npt.NDArray[np.int64], list[int]]:
    """Per pin, the row of its pair in the edge columns (-1 where the pair is no eligible
    edge) and the product of its consumption's class. The rows of every pinned class are
    gathered at once and matched against the pins' licences; a class has at most one
    edge per licence."""
    pins = problem.pins
    n = len(pins)
    if not n:
        return np.zeros(0, dtype=np.int64), []
    arrays = problem.edge_arrays
    class_of = problem.consumption_class
    k = np.fromiter((class_of[pin.consumption] for pin in pins), np.int64, n)
    licence = np.fromiter((pin.licence for pin in pins), np.int64, n)
    rows = arrays.rows(k)
    owner = np.repeat(np.arange(n, dtype=np.int64), arrays.start[k + 1] - arrays.start[k])
    hit = np.flatnonzero(arrays.licence[rows] == licence[owner])
    which, first = np.unique(owner[hit], return_index=True)
    row = np.full(n, -1, dtype=np.int64)
    row[which] = rows[hit[first]]
    product: list[int] = problem.class_columns.product[k].tolist()
    return row, product
