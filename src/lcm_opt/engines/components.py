"""Split the problem into independent components and state each as a SubProblem.

Products are linked when a licence of one has an eligible edge to a consumption of the
other (exact or downgrade reach); the connected components of that graph are solved
independently."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.classes import LazyClasses
from lcm_opt.compile.edge_arrays import EdgeArrays
from lcm_opt.compile.order import distinct, stable_order, unique_inverse
from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.engines.base import Allocation, Remaining
from lcm_opt.engines.free import free_sizes
from lcm_opt.engines.lazy_maps import ClassMap
from lcm_opt.engines.subproblem import ClassEdges, SubProblem
from lcm_opt.objectives import objective_unit


def product_components(problem: Problem) -> list[list[int]]:
    """Groups of product indices that share licences, each sorted, in ascending order."""
    arrays = problem.edge_arrays
    products = len(problem.product_ids)
    classes = problem.classes
    licence_product = np.asarray(problem.licence_product, dtype=np.int64)
    if isinstance(classes, LazyClasses):  # compile's columns, no class made
        # compile reaches another product's licence by downgrade only (R10): its other
        # edges are to licences of the class's own product, and link nothing
        rows = np.flatnonzero(arrays.downgrade)
        owner = np.searchsorted(arrays.start, rows, side="right") - 1
        mine = classes.columns.product.astype(np.int64)[owner]
        theirs = licence_product[arrays.licence[rows]]
    else:
        class_product = np.fromiter((c.product for c in classes), np.int64, len(classes))
        mine = np.repeat(class_product, np.diff(arrays.start))
        theirs = licence_product[arrays.licence]
    cross = mine != theirs  # only downgrade reach links two products
    linked = distinct(mine[cross] * products + theirs[cross]).tolist()
    links = [(pair // products, pair % products) for pair in linked]
    root = list(range(len(problem.product_ids)))  # union-find over the products

    def find(node: int) -> int:
        while root[node] != node:
            root[node] = root[root[node]]
            node = root[node]
        return node

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in range(len(root)):
        groups[find(node)].append(node)
    return sorted(groups.values())


Hints = tuple[dict[tuple[int, int], int], dict[tuple[int, str], int]]


def objective_scale(problem: Problem) -> int:
    """The factor that makes the first criterion's weights integers (objectives/)."""
    return objective_unit(problem.scenario.settings.objective).scale(problem.products)


_WEIGHTS = "_class_weights"  # where class_weights keeps its answer on the problem
_WEIGHT_COLUMN = "_class_weight_column"  # and weight_column its own


def class_weights(problem: Problem) -> dict[int, int]:
    """First-criterion value of covering one member of each class (settings.objective).
    Worked out once per problem (its fields never change), a copy handed out each time."""
    made = problem.__dict__.get(_WEIGHTS)
    if made is None:
        unit = objective_unit(problem.scenario.settings.objective)
        scale = unit.scale(problem.products)
        products = problem.products
        columns = problem.class_columns
        memo: dict[tuple[int, int], int] = {}  # (product, units) -> weight
        made = problem.__dict__[_WEIGHTS] = {}
        for k, key in enumerate(
            zip(columns.product.tolist(), columns.product_units.tolist(), strict=True)
        ):
            weight = memo.get(key)
            if weight is None:
                product, units = key
                weight = memo[key] = unit.weight(units, products[product].unit_price, scale)
            made[k] = weight
    return dict(made)


def greedy_hints(problem: Problem, greedy: Allocation) -> Hints:
    """The greedy allocation as class-level (class, licence) units and (class, group)
    covered counts, pins left out (they are settled before any component)."""
    units: dict[tuple[int, int], int] = defaultdict(int)
    covered: dict[tuple[int, str], int] = defaultdict(int)
    groups: dict[int, str] = {}
    edge_of: dict[int, dict[int, Edge]] = {}  # class -> licence -> edge
    for g in greedy.grants:
        if g.direct:
            continue
        k = problem.consumption_class[g.consumption]
        units[(k, g.licence)] += g.units
        if k not in edge_of:
            edge_of[k] = {e.licence: e for e in problem.classes[k].edges}
        edge = edge_of[k][g.licence]
        if g.consumption not in groups:
            groups[g.consumption] = edge.group
            covered[(k, edge.group)] += 1
    return dict(units), dict(covered)


def weight_column(problem: Problem) -> npt.NDArray[np.int64] | None:
    """`class_weights` as a column aligned with the classes; None where some weight is not
    a machine integer. Worked out once per problem, per distinct (product, units)."""
    if _WEIGHT_COLUMN in problem.__dict__:
        made: npt.NDArray[np.int64] | None = problem.__dict__[_WEIGHT_COLUMN]
        return made
    unit = objective_unit(problem.scenario.settings.objective)
    scale = unit.scale(problem.products)
    columns = problem.class_columns
    product = columns.product.astype(np.int64)
    units = columns.product_units.astype(np.int64)
    span = int(units.max(initial=0)) + 1
    made = None
    if int(units.min(initial=0)) >= 0 and span * (len(problem.products) + 1) < 1 << 62:
        key = product * span + units
        distinct, at = unique_inverse(key, span * len(problem.products))
        products = problem.products
        weights = [
            unit.weight(k % span, products[k // span].unit_price, scale)
            for k in distinct.tolist()
        ]
        try:
            made = np.array(weights, dtype=np.int64)[at]
        except OverflowError:
            made = None
    problem.__dict__[_WEIGHT_COLUMN] = made
    return made


def subproblems(
    problem: Problem,
    free: Mapping[int, Sequence[int]],
    remaining: Remaining,
    greedy: Allocation | None = None,
) -> list[SubProblem]:
    """One SubProblem per component that has members left to allocate. `free` maps a class
    to its members not settled by the pin pre-pass. With `greedy`, each carries its part of
    that allocation as a hint (CP-SAT reads it; flow needs none).

    The classes of every component are found at once from the columns; each component's
    counts, weights and products are columns read as dicts (lazy_maps.py), its edges
    slices of one gather of every live class's edges."""
    arrays = problem.edge_arrays
    class_product = problem.class_columns.product.astype(np.int64)
    n = len(class_product)
    sizes = free_sizes(free, n)
    groups = product_components(problem)
    component = np.zeros(len(problem.product_ids), dtype=np.int64)
    for i, products in enumerate(groups):
        component[products] = i
    live = np.flatnonzero((arrays.start[1:] > arrays.start[:-1]) & (sizes > 0))
    live = live[stable_order(component[class_product[live]], len(groups))]  # k ascending within
    bounds = np.searchsorted(component[class_product[live]], np.arange(len(groups) + 1)).tolist()
    edges_of = arrays.take(live)
    weights = weight_column(problem)
    weight_dict = class_weights(problem) if weights is None else None
    pool = remaining.pool_view()
    caps = _caps_by_component(remaining.caps_left(), component)
    max_score = max(problem.evaluator.rules.max_score, 0)
    licences_of = _licences(problem, component, edges_of.licence, len(groups))
    subs = []
    for i, (a, b) in enumerate(pairwise(bounds)):
        if a == b:
            continue
        ordered_ks = live[a:b]
        product_of = class_product[ordered_ks]
        ordered = tuple(ordered_ks.tolist())
        keys = ordered
        if len(groups[i]) > 1:  # the classes product by product
            keys = tuple(ordered_ks[np.argsort(product_of, kind="stable")].tolist())
        columns = _slice(edges_of, a, b)
        licences = licences_of[i]
        mine = set(licences)
        weight: Mapping[int, int] = (
            ClassMap(ordered, weights[ordered_ks], keys)
            if weights is not None
            else {k: weight_dict[k] for k in keys}  # type: ignore[index]
        )
        subs.append(
            SubProblem(
                classes=ordered,
                count=ClassMap(ordered, sizes[ordered_ks], keys),
                edges=ClassEdges(problem.classes, keys),
                licences=licences,
                capacity={li: pool[li] for li in licences},
                weight=weight,
                max_score=max_score,
                caps={key: left for key, left in caps.get(i, ()) if key[0] in mine},
                product=ClassMap(ordered, product_of, keys),
                columns=columns,
            )
        )
    if greedy is None:
        return subs
    hints = greedy_hints(problem, greedy)
    return [hinted(sub, hints) for sub in subs]


def _licences(
    problem: Problem, component: npt.NDArray[np.int64], licence: npt.NDArray[np.int32], n: int
) -> list[tuple[int, ...]]:
    """Per component, the licences of its edges (`licence`), ascending. An edge's licence
    is of its class's product or of one linked to it, so of the class's component: one
    pass over the edges marks the licences, and their products' components part them."""
    seen = np.zeros(len(problem.licence_product), dtype=bool)
    seen[licence] = True
    used = np.flatnonzero(seen)
    owner = component[np.asarray(problem.licence_product, dtype=np.int64)[used]]
    used = used[np.argsort(owner, kind="stable")]
    bounds = np.searchsorted(np.sort(owner), np.arange(n + 1)).tolist()
    every = used.tolist()
    return [tuple(every[a:b]) for a, b in pairwise(bounds)]


def _caps_by_component(
    caps: dict[tuple[int, int], int], component: npt.NDArray[np.int64]
) -> dict[int, list[tuple[tuple[int, int], int]]]:
    """The Track Deployment caps, in their order, by the component of their product."""
    out: dict[int, list[tuple[tuple[int, int], int]]] = defaultdict(list)
    for key, left in caps.items():
        out[int(component[key[1]])].append((key, left))
    return out


def _slice(columns: EdgeArrays, a: int, b: int) -> EdgeArrays:
    """Classes a..b-1 of `columns` (and their edges), numbered from 0: views, no copy."""
    begin, end = int(columns.start[a]), int(columns.start[b])
    return EdgeArrays(
        start=columns.start[a : b + 1] - begin,
        licence=columns.licence[begin:end],
        score=columns.score[begin:end],
        units=columns.units[begin:end],
        downgrade=columns.downgrade[begin:end],
        group=columns.group[begin:end],
        groups=columns.groups,
    )


def hinted(sub: SubProblem, hints: Hints) -> SubProblem:
    """`sub` with its share of the greedy allocation as the CP-SAT hint."""
    units, covered = hints
    return replace(
        sub,
        hint_units={key: v for key, v in units.items() if key[0] in sub.edges},
        hint_covered={key: v for key, v in covered.items() if key[0] in sub.edges},
    )
