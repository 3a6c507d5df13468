"""Split the problem into independent components and state each as a SubProblem.

Products are linked when a licence of one has an eligible edge to a consumption of the
other (exact or downgrade reach); the connected components of that graph are solved
independently."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from lcm_opt.compile.classes import LazyClasses
from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.engines.base import Allocation, Remaining
from lcm_opt.engines.subproblem import ClassEdges, SubProblem
from lcm_opt.objectives import objective_unit


def product_components(problem: Problem) -> list[list[int]]:
    """Groups of product indices that share licences, each sorted, in ascending order."""
    arrays = problem.edge_arrays
    products = len(problem.product_ids)
    classes = problem.classes
    if isinstance(classes, LazyClasses):  # compile's columns, no class made
        class_product = classes.columns.product
    else:
        class_product = np.fromiter((c.product for c in classes), np.int64, len(classes))
    mine = class_product[arrays.owner]
    theirs = np.asarray(problem.licence_product, dtype=np.int64)[arrays.licence]
    cross = mine != theirs  # only downgrade reach links two products
    linked = np.unique(mine[cross] * products + theirs[cross]).tolist()
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


def subproblems(
    problem: Problem,
    free: dict[int, list[int]],
    remaining: Remaining,
    greedy: Allocation | None = None,
) -> list[SubProblem]:
    """One SubProblem per component that has members left to allocate. `free` maps a class
    to its members not settled by the pin pre-pass. With `greedy`, each carries its part of
    that allocation as a hint (CP-SAT reads it; flow needs none)."""
    weights = class_weights(problem)
    arrays = problem.edge_arrays
    has_edges = (arrays.start[1:] > arrays.start[:-1]).tolist()
    class_product = problem.class_columns.product.tolist()
    by_product: dict[int, list[int]] = defaultdict(list)
    for k, product in enumerate(class_product):
        if has_edges[k] and free.get(k):
            by_product[product].append(k)
    subs = []
    caps = remaining.caps_left()
    for products in product_components(problem):
        classes = tuple(k for p in products for k in by_product[p])
        if not classes:
            continue
        edges = ClassEdges(problem.classes, classes)
        ordered = tuple(sorted(classes))
        columns = arrays.take(np.array(ordered, dtype=np.int64))
        licences = tuple(np.unique(columns.licence).tolist())
        subs.append(
            SubProblem(
                classes=ordered,
                count=dict(zip(classes, map(len, map(free.__getitem__, classes)), strict=True)),
                edges=edges,
                licences=licences,
                capacity=dict(zip(licences, map(remaining.left, licences), strict=True)),
                weight=dict(zip(classes, map(weights.__getitem__, classes), strict=True)),
                max_score=max(problem.evaluator.rules.max_score, 0),
                caps={
                    (li, p): left
                    for (li, p), left in caps.items()
                    if p in products and li in licences
                }
                if caps
                else {},
                product=dict(zip(classes, map(class_product.__getitem__, classes), strict=True)),
                columns=columns,
            )
        )
    if greedy is None:
        return subs
    hints = greedy_hints(problem, greedy)
    return [hinted(sub, hints) for sub in subs]


def hinted(sub: SubProblem, hints: Hints) -> SubProblem:
    """`sub` with its share of the greedy allocation as the CP-SAT hint."""
    units, covered = hints
    return replace(
        sub,
        hint_units={key: v for key, v in units.items() if key[0] in sub.edges},
        hint_covered={key: v for key, v in covered.items() if key[0] in sub.edges},
    )
