"""Classes the first stage cannot tell apart, merged (the MILP's stage 1, milp.py).

The first criterion sees a class only through its weight, its product (Track Deployment
caps) and its edges' licences, units and split groups, in any order; affinity scores play
no part. Classes that agree on all of these are one class for stage 1 with their counts
summed: hosts that differ only in department or cost centre collapse (even where those
rank the same licences differently), and so does the symmetry a branch-and-bound would
otherwise enumerate. The merged model has the same stage-1 optimum: any merged
solution spreads back over the member classes (`spread`), and the flows then exist because
members share every edge (a transportation problem with equal totals)."""

from __future__ import annotations

from dataclasses import replace

from lcm_opt.compile.problem import Edge
from lcm_opt.engines.subproblem import SubProblem

Members = dict[int, list[int]]  # representative class -> its classes, ascending


def merged(sub: SubProblem, *, any_order: bool = True) -> tuple[SubProblem, Members]:
    """`sub` with stage-1-identical classes merged into the first of each (scores zeroed).
    `any_order` False merges only classes whose edges also come in the same order."""
    by_key: dict[tuple[object, ...], int] = {}
    members: Members = {}
    for k in sub.classes:
        # sorted: edges come in score order, which stage 1 ignores; classes that differ only
        # in how they rank the same licences (a department's preference) merge too
        shape = tuple((e.licence, e.units, e.group) for e in sub.edges[k])
        shape = tuple(sorted(shape)) if any_order else shape
        key = (sub.weight[k], sub.product.get(k, -1), shape)
        rep = by_key.setdefault(key, k)
        members.setdefault(rep, []).append(k)
    if len(members) == len(sub.classes):
        return sub, members
    edges = {
        rep: tuple(Edge(e.licence, 0, e.units, e.group, e.downgrade) for e in sub.edges[rep])
        for rep in members
    }
    return replace(
        sub,
        classes=tuple(members),
        count={rep: sum(sub.count[k] for k in ks) for rep, ks in members.items()},
        edges=edges,
        weight={rep: sub.weight[rep] for rep in members},
        product={rep: sub.product[rep] for rep in members if rep in sub.product},
        hint_units={},
        hint_covered={},
    ), members


def spread(
    counts: dict[tuple[int, str], int], members: Members, sub: SubProblem
) -> dict[tuple[int, str], int]:
    """Merged (representative, group) counts over the member classes, in class order."""
    out: dict[tuple[int, str], int] = {}
    room = dict(sub.count)
    for (rep, group), n in sorted(counts.items()):
        for k in members[rep]:
            take = min(n, room[k])
            if take:
                out[k, group] = take
                room[k] -= take
                n -= take
            if not n:
                break
    return out
