"""Divisibility cuts for the class-model MILP (milp.py): rows every integral solution keeps
and the LP relaxation does not.

Within one split group, the licences linked by the classes that reach them form closed
sets S: a class with a group-g edge into S has all its group-g edges in S. Every unit those
classes draw through group g lands in S, so sum_k u_kg * c_kg <= cap(S) when every licence
of S is finite. The left side is a multiple of d = gcd(u_kg): with integral counts it is at
most d * floor(cap(S) / d). The LP relaxation fills cap(S) exactly instead (per-core hosts
have even core counts, so an odd pool leaves a core HiGHS's branch-and-bound must otherwise
prove unreachable node by node); the row sum_k (u_kg / d) * c_kg <= floor(cap(S) / d)
closes that gap at the root. A Chvatal-Gomory cut of the group rows summed over S, so it
removes no integral solution."""

from __future__ import annotations

import math

from lcm_opt.engines.cpsat import split_groups
from lcm_opt.engines.subproblem import SubProblem

Node = tuple[str, int]  # (split group, licence)
Row = tuple[list[int], list[float], float, float]  # columns, coefficients, lower, upper


def divisibility_rows(sub: SubProblem, cover: dict[tuple[int, str], int]) -> list[Row]:
    """One row per closed set whose units' gcd does not divide its capacity; `cover` maps
    (class, group) to its cover-count column. Sets in first-appearance order."""
    parent: dict[Node, Node] = {}

    def find(a: Node) -> Node:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    counts: list[tuple[int, str, int, Node]] = []
    for k in sub.classes:
        for g, (u, edges) in split_groups(sub, k).items():
            if u <= 0 or not edges:
                continue
            first = find((g, edges[0].licence))
            for e in edges[1:]:
                other = find((g, e.licence))
                if other != first:
                    parent[other] = first
            counts.append((k, g, u, (g, edges[0].licence)))
    sets: dict[Node, list[tuple[int, str, int]]] = {}
    for k, g, u, node in counts:
        sets.setdefault(find(node), []).append((k, g, u))
    licences: dict[Node, list[int]] = {}
    for node in parent:
        licences.setdefault(find(node), []).append(node[1])
    rows: list[Row] = []
    for root, members in sets.items():
        caps = [sub.capacity[li] for li in licences[root]]
        if any(cap is None for cap in caps):
            continue
        total = sum(cap or 0 for cap in caps)
        d = math.gcd(*(u for _, _, u in members))
        if d > 1 and total % d:
            index = [cover[k, g] for k, g, _ in members]
            values = [float(u // d) for _, _, u in members]
            rows.append((index, values, -math.inf, float(total // d)))
    return rows
