"""The documented engine's consumption-major tier (A1 default) with whole fit first (A4
default), in time linear in consumptions plus class edges.

It makes exactly the choices of greedy._consumption_major, in the same order, because of
one monotonicity: capacity only shrinks while a tier runs, so once an edge of a class
cannot hold a member whole it never can again in that tier. Each class therefore keeps a
pointer to its first edge that may still fit, and moves it forward only; a member takes
the edge under the pointer, exactly the reference's first-fitting edge. When no edge fits
whole, the member tries a split within one group exactly as the reference does (R29, A32);
a failed split marks the class spent for the tier, since a group that cannot hold one
member now cannot later either (its licences only lose capacity)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.domain import SplitMode
from lcm_opt.engines.base import GrantRecord, Remaining

_new = tuple.__new__


def run_tier(
    problem: Problem,
    classes: Iterable[int],
    downgrade: bool,
    remaining: Remaining,
    product: int,
    skip: set[int],
    grants: list[GrantRecord],
) -> None:
    """Allocates every member of `classes` not in `skip` for one tier of `product`; each
    covered member is added to `skip` and its grants appended to `grants`."""
    from lcm_opt.engines.greedy import choose  # the reference split, shared verbatim

    tiers: list[tuple[Edge, ...]] = []
    members: list[list[int]] = []
    for k in classes:
        cls = problem.classes[k]
        edges = cls.downgrade if downgrade else cls.exact
        pending = [c for c in cls.members if c not in skip] if edges else []
        if pending:
            tiers.append(edges)
            members.append(pending)
    if not tiers:
        return
    consumption, local = _ranked(tiers, members)
    lics = [[e.licence for e in edges] for edges in tiers]
    units = [[e.units for e in edges] for edges in tiers]
    tails = [[(e.licence, e.units, False, e.score, e.downgrade) for e in edges] for edges in tiers]
    pointer = [0] * len(tiers)
    spent = [False] * len(tiers)
    left = remaining.pool_view()
    caps = remaining.product_caps(product)
    for c, j in zip(consumption, local, strict=True):
        p, lic_j, units_j = pointer[j], lics[j], units[j]
        n = len(lic_j)
        while p < n:
            room = left[lic_j[p]]
            if room is None or room >= units_j[p]:
                cap = caps.get(lic_j[p]) if caps else None
                if cap is None or cap >= units_j[p]:
                    break
            p += 1
        pointer[j] = p
        if p < n:
            tail = tails[j][p]
            lic, amount = tail[0], tail[1]
            room = left[lic]
            if room is not None:
                left[lic] = room - amount
            if caps and lic in caps:
                caps[lic] -= amount
            skip.add(c)
            grants.append(_new(GrantRecord, (c, *tail)))
        elif not spent[j]:
            take = choose(tiers[j], remaining, SplitMode.FILL_IN_ORDER, product)
            if take is None:
                spent[j] = True
                continue
            for edge, amount in take:
                remaining.take(edge.licence, amount, product)
                grants.append(
                    GrantRecord(c, edge.licence, amount, False, edge.score, edge.downgrade)
                )
            skip.add(c)


def _ranked(tiers: list[tuple[Edge, ...]], members: list[list[int]]) -> tuple[list[int], list[int]]:
    """The reference order (best score desc, consumption asc; A1-A3) as two parallel lists:
    consumption index and local class index."""
    sizes = [len(m) for m in members]
    consumption = np.fromiter((c for m in members for c in m), dtype=np.int64, count=sum(sizes))
    local = np.repeat(np.arange(len(members), dtype=np.int64), sizes)
    best = np.array([edges[0].score for edges in tiers], dtype=np.int64)[local]
    order = np.lexsort((consumption, -best))
    return consumption[order].tolist(), local[order].tolist()
