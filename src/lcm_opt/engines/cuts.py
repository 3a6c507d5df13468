"""Divisibility cuts for the class-model MILP (milp.py): rows every integral solution keeps
and the LP relaxation does not.

Within one split group g, take a set S of licences and the classes whose group-g edges all
lead into S. Every unit those classes draw through g lands in S, so
sum_k u_kg * c_kg <= cap(S) when every licence of S is finite (a Hall condition of the
group's transportation problem, which the LP already keeps). The left side is a multiple of
d = gcd(u_kg): with integral counts it is at most d * floor(cap(S) / d). The LP relaxation
fills cap(S) exactly instead (per-core hosts have even core counts, so an odd pool leaves a
core HiGHS's branch-and-bound must otherwise prove unreachable node by node); the row
sum_k (u_kg / d) * c_kg <= floor(cap(S) / d) closes that gap at the root. A Chvatal-Gomory
cut of the group rows and pool rows summed over S, so it removes no integral solution.

The sets: the closed sets of each group (the licences the classes link: a class with a
group-g edge into the set has all of them in it), and each class's own group-g
neighbourhood, which takes in the classes whose edges lie inside it: a site's hosts inside
their region's pools, an older version's hosts inside the pools a newer version reaches by
downgrade. The second kind moves the LP bound where pools are shared between scopes (on the
1,000-host per-core estates the closed set is the whole group, whose capacity says little)."""

from __future__ import annotations

import math

from lcm_opt.engines.cpsat import split_groups
from lcm_opt.engines.subproblem import SubProblem

Node = tuple[str, int]  # (split group, licence)
Row = tuple[list[int], list[float], float, float]  # columns, coefficients, lower, upper
Member = tuple[int, str, int, frozenset[int]]  # class, group, units, its group's licences


def divisibility_rows(sub: SubProblem, cover: dict[tuple[int, str], int]) -> list[Row]:
    """One row per set (closed sets first, then neighbourhoods, each in first-appearance
    order) whose classes could overfill it and whose units' gcd does not divide its
    capacity; `cover` maps (class, group) to its cover-count column. A set whose classes
    another set already gave a row adds none."""
    members: list[Member] = [
        (k, g, u, frozenset(e.licence for e in edges))
        for k in sub.classes
        for g, (u, edges) in split_groups(sub, k).items()
        if u > 0 and edges
    ]
    sets = _closed_sets(members) + _neighbourhoods(members)
    rows: list[Row] = []
    seen: set[tuple[tuple[int, str], ...]] = set()
    for group, licences in sets:
        caps = [sub.capacity[li] for li in sorted(licences)]
        if any(cap is None for cap in caps):
            continue
        total = sum(cap or 0 for cap in caps)
        inside = [(k, u) for k, g, u, reach in members if g == group and reach <= licences]
        key = tuple((k, group) for k, _ in inside)
        if not inside or key in seen or sum(u * sub.count[k] for k, u in inside) <= total:
            continue
        seen.add(key)
        d = math.gcd(*(u for _, u in inside))
        if d > 1 and total % d:
            index = [cover[k, group] for k, _ in inside]
            values = [float(u // d) for _, u in inside]
            rows.append((index, values, -math.inf, float(total // d)))
    return rows


def _closed_sets(members: list[Member]) -> list[tuple[str, frozenset[int]]]:
    parent: dict[Node, Node] = {}

    def find(a: Node) -> Node:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _, g, _, reach in members:
        licences = sorted(reach)
        first = find((g, licences[0]))
        for li in licences[1:]:
            other = find((g, li))
            if other != first:
                parent[other] = first
    sets: dict[Node, list[int]] = {}
    for node in parent:
        sets.setdefault(find(node), []).append(node[1])
    return [(root[0], frozenset(licences)) for root, licences in sets.items()]


def _neighbourhoods(members: list[Member]) -> list[tuple[str, frozenset[int]]]:
    return list(dict.fromkeys((g, reach) for _, g, _, reach in members))
