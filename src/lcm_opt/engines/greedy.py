"""The documented engine, rule by rule (docs/engine.md, the reference greedy algorithm).

Pass 0 pins for all products (A13); then products one at a time, chain members newest
first (R1, A11); per product an exact tier, then a downgrade tier (R33, R36); within a
tier consumptions by best pair score then id (R26, A1-A3), each taking licences by score
then id (R25, A3), whole-fit first, else split within one group, else nothing (R27, R29,
A4, A32). Everything uncovered is a deficit (R48). LCM (A45): reservations have left the
pools before pass 0, and a licence holds what both its pool and the product's Track
Deployment cap have left."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from operator import lt

from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.domain import DeficitReason, DirectOverflow, OrderMode, SplitMode, Status, natural_key
from lcm_opt.engines.base import Allocation, DeficitTable, GrantRecord, Remaining
from lcm_opt.engines.deficit_details import capacity_details
from lcm_opt.engines.greedy_fast import run_tier
from lcm_opt.engines.pins import apply_pins

Take = list[tuple[Edge, int]]


def _fill(edges: list[Edge], remaining: Remaining, product: int) -> Take | None:
    """Fill best-first within one split group, each licence giving min(pool left, cap
    left) (A45); None when the group cannot hold it all."""
    need = edges[0].units
    take: Take = []
    for edge in edges:
        left = remaining.left(edge.licence, product)
        amount = need if left is None else min(left, need)
        if amount > 0:
            take.append((edge, amount))
            need -= amount
        if need == 0:
            return take
    return None


def choose(
    edges: tuple[Edge, ...], remaining: Remaining, split_mode: SplitMode, product: int
) -> Take | None:
    """A4 + A32: whole fit on the best licence that holds it (whole_fit_first); otherwise
    split within the group of the best-ranked licence among groups that can hold it. A
    licence holds what both its pool and the product's Track Deployment cap allow (A45)."""
    if split_mode is SplitMode.WHOLE_FIT_FIRST:
        for edge in edges:
            if remaining.fits(edge.licence, edge.units, product):
                return [(edge, edge.units)]
    groups: dict[str, list[Edge]] = {}
    for edge in edges:
        groups.setdefault(edge.group, []).append(edge)
    for group in groups.values():  # insertion order = group of the best-ranked licence first
        take = _fill(group, remaining, product)
        if take is not None:
            return take
    return None


class GreedyEngine:
    """`reference=True` runs the straightforward per-consumption implementation of every
    tier; the default runs the default-settings tier in linear time (greedy_fast.py), which
    makes the same choices in the same order (tests compare the two)."""

    name = "greedy"

    def __init__(self, reference: bool = False) -> None:
        self.reference = reference

    def solve(self, problem: Problem, baseline: Allocation | None = None) -> Allocation:
        settings = problem.scenario.settings
        # every class is read below: made here at once, before the pins ask for some
        by_product: dict[int, list[int]] = {}
        for k, cls in enumerate(problem.classes):
            by_product.setdefault(cls.product, []).append(k)
        remaining = Remaining(problem)
        pins = apply_pins(problem, remaining, reference=self.reference)
        grants = list(pins.grants)
        covered = set(pins.covered)
        blocked = pins.failed if settings.direct_overflow is DirectOverflow.DEFICIT else set()
        tiers = (False, True) if settings.downgrades_allowed else (False,)
        fast = not self.reference and (settings.order_mode, settings.split_mode) == (
            OrderMode.CONSUMPTION,
            SplitMode.WHOLE_FIT_FIRST,
        )
        run = _pair_list if settings.order_mode is OrderMode.PAIR else _consumption_major
        mode = settings.split_mode
        skip = covered | blocked
        for product in problem.product_order:
            classes = by_product.get(product, [])
            for downgrade in tiers:
                if fast:
                    run_tier(problem, classes, downgrade, remaining, product, skip, grants)
                    continue
                pending = [c for k in classes for c in problem.classes[k].members if c not in skip]
                for c, take in run(problem, pending, downgrade, remaining, mode, product):
                    skip.add(c)
                    grants.extend(_grant(c, edge, units) for edge, units in take)
        allocation = Allocation(self.name, Status.HEURISTIC, grants, warnings=pins.warnings)
        allocation.defer_deficits(deficits(problem, skip - blocked, blocked))
        return allocation


def _tier(problem: Problem, c: int, downgrade: bool) -> tuple[Edge, ...]:
    cls = problem.class_of(c)
    return cls.downgrade if downgrade else cls.exact


def _consumption_major(
    problem: Problem,
    pending: list[int],
    downgrade: bool,
    remaining: Remaining,
    mode: SplitMode,
    product: int,
) -> list[tuple[int, Take]]:
    """A1 default: each consumption to completion, in (best score desc, id asc) order; the
    best score is static for the tier (A2)."""
    ranked = sorted(
        (-edges[0].score, c) for c in pending if (edges := _tier(problem, c, downgrade))
    )
    done = []
    for _, c in ranked:
        take = choose(_tier(problem, c, downgrade), remaining, mode, product)
        if take is not None:
            for edge, units in take:
                remaining.take(edge.licence, units, product)
            done.append((c, take))
    return done


def _pair_list(
    problem: Problem,
    pending: list[int],
    downgrade: bool,
    remaining: Remaining,
    mode: SplitMode,
    product: int,
) -> list[tuple[int, Take]]:
    """A1 alternative: one global pair list (score desc, consumption, licence), each pair a
    whole grant if it fits; consumptions still uncovered then try a split (R29), in
    consumption-major order."""
    pairs = sorted(
        (-edge.score, c, edge.licence, edge)
        for c in pending
        for edge in _tier(problem, c, downgrade)
    )
    done: dict[int, Take] = {}
    for _, c, _, edge in pairs:
        if c not in done and remaining.fits(edge.licence, edge.units, product):
            remaining.take(edge.licence, edge.units, product)
            done[c] = [(edge, edge.units)]
    rest = [c for c in pending if c not in done]
    split = _consumption_major(
        problem, rest, downgrade, remaining, SplitMode.FILL_IN_ORDER, product
    )
    return sorted([*done.items(), *split])


def _grant(c: int, edge: Edge, units: int) -> GrantRecord:
    return GrantRecord(c, edge.licence, units, False, edge.score, edge.downgrade)


def deficits(problem: Problem, covered: set[int], blocked: set[int]) -> DeficitTable:
    """R29/R48: every uncovered consumption once, with why (A42 pin_unhonoured, capacity
    when it had an eligible licence, else which filter removed its edges)."""
    missing = [c for c in range(len(problem.consumption_class)) if c not in covered]
    return deficit_table(problem, missing, blocked)


def deficit_table(problem: Problem, missing: list[int], blocked: set[int]) -> DeficitTable:
    """The deficits of the uncovered consumptions `missing`, in their order, as columns;
    the detail is worked out once per class."""
    pinned = (DeficitReason.PIN_UNHONOURED, "every pin failed (A42)")
    # Per consumption its class, or -1 where a pin failed; each class's (reason, detail)
    # worked out once.
    ks = list(map(problem.consumption_class.__getitem__, missing))
    if blocked:
        ks = [-1 if c in blocked else k for c, k in zip(missing, ks, strict=True)]
    ranked = _in_natural_order(problem.licence_ids)
    distinct = dict.fromkeys(ks)
    tails: dict[int, tuple[DeficitReason, str | None]] = {}
    if ranked and not problem.lcm.caps and "edge_arrays" in problem.__dict__:
        classes = [k for k in distinct if k >= 0]
        found = capacity_details(problem.edge_arrays, problem.licence_ids, classes)
        tails = {k: (DeficitReason.CAPACITY, detail) for k, detail in found.items()}
    for k in distinct.keys() - tails.keys():
        tails[k] = pinned if k < 0 else _class_deficit(problem, k, ranked)
    return DeficitTable(missing, ks, tails)


def _in_natural_order(ids: Sequence[str]) -> bool:
    """Whether `ids` ascend in natural order (compile sorts the licences so): then their
    indices sort as their ids do. Without a digit-only id that order is plain order."""
    if not any(map(str.isdigit, ids)):
        return all(map(lt, ids, islice(ids, 1, None)))
    keys = list(map(natural_key, ids))
    return all(map(lt, keys, islice(keys, 1, None)))


def _class_deficit(problem: Problem, k: int, ranked: bool) -> tuple[DeficitReason, str | None]:
    """Where the problem has its edge columns (compile's), read from them: a class with
    edges is not made for its deficit."""
    if "edge_arrays" in problem.__dict__:
        arrays = problem.edge_arrays
        a, b = arrays.start[k : k + 2].tolist()
        if b > a:
            licences = arrays.licence[a:b].tolist()
            product = int(problem.class_columns.product[k])
            return DeficitReason.CAPACITY, _full_detail(problem, licences, product, ranked)
        return DeficitReason.NO_ELIGIBLE_LICENCE, problem.classes[k].detail
    cls = problem.classes[k]
    if cls.edges:
        licences = [e.licence for e in cls.edges]
        return DeficitReason.CAPACITY, _full_detail(problem, licences, cls.product, ranked)
    return DeficitReason.NO_ELIGIBLE_LICENCE, cls.detail


def _full_detail(
    problem: Problem, licences: list[int], product: int, ranked: bool, shown: int = 5
) -> str:
    """Name the eligible licences (of the class's edges) it competed for: 'outcompeted',
    not 'unlicensable', and the Track Deployment caps (L5, A45) that bound the product on
    them. `ranked`: licence ids ascend in natural order with their indices."""
    if ranked:
        ids = list(map(problem.licence_ids.__getitem__, sorted(set(licences))))
    else:
        ids = sorted({problem.licence_ids[li] for li in licences}, key=natural_key)
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    detail = f"eligible licences full: {', '.join(ids[:shown])}{more}"
    if not problem.lcm.caps:
        return detail
    eligible = set(licences)
    caps = sorted(
        (
            (problem.licence_ids[li], cap)
            for (li, p), cap in problem.lcm.caps.items()
            if p == product and li in eligible
        ),
        key=lambda item: natural_key(item[0]),
    )
    if caps:
        listed = ", ".join(f"{lid} ({cap})" for lid, cap in caps[:shown])
        detail += f"; Track Deployment caps for this product: {listed}"
    return detail
