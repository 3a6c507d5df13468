"""The documented engine's wrong turns, from the difference between its allocation and the
optimum's. At class level D[k, l] = optimal - greedy members of class k on licence l. A
consumption X greedy leaves uncovered and the optimum covers is explained by a path
X -> l1, Y1: l1 -> l2, ..., where each Yi is a member greedy put on l_i and the optimum
moves off it (D < 0) onto l_(i+1) (D > 0), ending on a licence greedy left room on
(augment: greedy could have covered X as well) or, failing that, by uncovering a consumption
greedy covered and the optimum does not (swap). Paths are found by one breadth-first search
per phase, backwards from the ends, so each start class gets the shortest chain. Only
unit-demand classes (every edge asks one unit) are chained; the rest are listed as such."""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

from lcm_opt.domain import DeficitReason, natural_key
from lcm_opt.domain.explain import AffinityChange, Chain, ChainStep
from lcm_opt.engines.base import Allocation
from lcm_opt.services.explain.base import Base

IntArray = npt.NDArray[np.int64]


class Holdings:
    """One allocation's auto grants per consumption (first licence, count, score sum)."""

    def __init__(self, n: int, allocation: Allocation) -> None:
        auto = [g for g in allocation.grants if not g.direct]
        cons = np.fromiter((g.consumption for g in auto), np.int64, len(auto))
        self.licence: IntArray = np.full(n, -1, np.int64)
        self.licence[cons[::-1]] = np.fromiter((g.licence for g in reversed(auto)), np.int64)
        self.count: IntArray = np.bincount(cons, minlength=n).astype(np.int64)
        self.score: IntArray = np.bincount(
            cons, weights=np.fromiter((g.score * g.units for g in auto), np.float64), minlength=n
        ).astype(np.int64)
        self.used: dict[int, int] = {}
        self.used_by: dict[tuple[int, int], int] = {}  # (licence, consumption) units
        self._auto = auto

    def usage(self, base: Base) -> tuple[dict[int, int], dict[tuple[int, int], int]]:
        """Units drawn per licence and per (licence, product) by these auto grants."""
        per: dict[int, int] = {}
        per_product: dict[tuple[int, int], int] = {}
        cls_of = base.problem.consumption_class
        classes = base.problem.classes
        for g in self._auto:
            per[g.licence] = per.get(g.licence, 0) + g.units
            key = (g.licence, classes[cls_of[g.consumption]].product)
            per_product[key] = per_product.get(key, 0) + g.units
        return per, per_product


def _class_counts(base: Base, held: Holdings, unit: IntArray) -> dict[tuple[int, int], int]:
    cls = np.asarray(base.problem.consumption_class, np.int64)
    mask = (held.licence >= 0) & (held.count == 1) & unit[cls]
    width = max(len(base.problem.licence_ids), 1)
    keys, counts = np.unique(cls[mask] * width + held.licence[mask], return_counts=True)
    return {
        (int(key) // width, int(key) % width): int(n) for key, n in zip(keys, counts, strict=True)
    }


class _Search:
    def __init__(self, base: Base, greedy: Holdings, optimal: Holdings, unit: IntArray) -> None:
        self.base, self.greedy, self.optimal = base, greedy, optimal
        g = _class_counts(base, greedy, unit)
        o = _class_counts(base, optimal, unit)
        self.into: dict[int, list[int]] = {}  # licence -> classes the optimum adds to it
        self.off: dict[int, list[int]] = {}  # class -> licences the optimum takes it off
        self.held: dict[int, list[int]] = {}  # class -> licences greedy gave it
        for key in sorted(g.keys() | o.keys()):
            k, li = key
            d = o.get(key, 0) - g.get(key, 0)
            if d > 0:
                self.into.setdefault(li, []).append(k)
            elif d < 0:
                self.off.setdefault(k, []).append(li)
            if g.get(key):
                self.held.setdefault(k, []).append(li)
        used, _ = greedy.usage(base)
        self.room = {
            li for li, left in enumerate(base.pool) if left is None or left - used.get(li, 0) > 0
        }

    def backwards(self, ends: set[int], classes: set[int]) -> tuple[dict[int, int], dict[int, int]]:
        """next_licence[class] and next_class[licence] towards `ends` (licences with room)
        or `classes` (drop classes: a member may be uncovered instead)."""
        to_licence: dict[int, int] = {}
        to_class: dict[int, int] = {}
        queue: deque[tuple[bool, int]] = deque((True, li) for li in sorted(ends))
        seen_l, seen_k = set(ends), set(classes)
        for kz in sorted(classes):
            for li in self.held.get(kz, ()):
                if li not in seen_l:
                    seen_l.add(li)
                    to_class[li] = kz
                    queue.append((True, li))
        while queue:
            is_licence, node = queue.popleft()
            if is_licence:
                for k in self.into.get(node, ()):
                    if k not in seen_k:
                        seen_k.add(k)
                        to_licence[k] = node
                        queue.append((False, k))
            else:
                for li in self.off.get(node, ()):
                    if li not in seen_l:
                        seen_l.add(li)
                        to_class[li] = node
                        queue.append((True, li))
        return to_licence, to_class

    def member(self, k: int, li: int, then: int | None, dropped: bool = False) -> int:
        """A member of class k greedy put on li: preferably one the optimum moves to `then`
        (or leaves uncovered, when it is `dropped`)."""
        members = np.asarray(self.base.free[k], np.int64)
        on = members[(self.greedy.licence[members] == li) & (self.greedy.count[members] == 1)]
        if dropped:
            better = on[self.optimal.licence[on] < 0]
        else:
            better = on[self.optimal.licence[on] == (-2 if then is None else then)]
        return int(better[0] if len(better) else on[0])


def _path(
    search: _Search,
    k0: int,
    x: int,
    to_licence: dict[int, int],
    to_class: dict[int, int],
    swap: bool,
) -> tuple[list[tuple[int, int | None, int]], int | None, int | None]:
    """(steps as (consumption, from, to), room licence, dropped consumption)."""
    li = to_licence[k0]
    steps: list[tuple[int, int | None, int]] = [(x, None, li)]
    seen = {k0}
    while True:
        k = to_class.get(li)
        if k is None:
            return steps, li, None
        if k in seen:  # cannot happen on a BFS tree; guards the loop
            raise RuntimeError("chain revisits a class")
        seen.add(k)
        nxt = to_licence.get(k)
        if swap and nxt is None:
            return steps, None, search.member(k, li, None, dropped=True)
        assert nxt is not None
        steps.append((search.member(k, li, nxt), li, nxt))
        li = nxt


def chains(
    base: Base, greedy: Allocation, optimal: Allocation
) -> tuple[list[Chain], list[int], Holdings, Holdings]:
    """A chain per start class (covering all its greedy-only deficits) and the greedy-only
    deficits left unchained (multi-unit demand, or no path)."""
    problem = base.problem
    n = len(problem.consumption_ids)
    g_held, o_held = Holdings(n, greedy), Holdings(n, optimal)
    unit = np.array([base.unit_class(k) for k in range(len(problem.classes))], dtype=bool)
    starts: dict[int, list[int]] = {}
    unchained: list[int] = []
    for d in greedy.deficits:
        c = d.consumption
        if d.reason is not DeficitReason.CAPACITY or o_held.licence[c] < 0:
            continue
        k = problem.consumption_class[c]
        if unit[k] and o_held.count[c] == 1:
            starts.setdefault(k, []).append(c)
        else:
            unchained.append(c)
    if not starts:
        return [], sorted(unchained), g_held, o_held
    search = _Search(base, g_held, o_held, unit)
    ahead = search.backwards(search.room, set())
    drops: set[int] = set()
    if any(k not in ahead[0] for k in starts):
        cls = np.asarray(problem.consumption_class, np.int64)
        mask = (g_held.licence >= 0) & (o_held.licence < 0) & (g_held.count == 1) & unit[cls]
        drops = set(np.unique(cls[mask]).tolist())
    behind = search.backwards(set(), drops) if drops else ({}, {})
    out: list[Chain] = []
    for k0, xs in sorted(starts.items(), key=lambda kv: kv[1][0]):
        xs.sort()
        if k0 in ahead[0]:
            found = _path(search, k0, xs[0], *ahead, swap=False)
        elif k0 in drops:
            li = search.held[k0][0]
            found = ([(xs[0], None, li)], None, search.member(k0, li, None, dropped=True))
        elif k0 in behind[0]:
            found = _path(search, k0, xs[0], *behind, swap=True)
        else:
            unchained.extend(xs)
            continue
        out.append(_chain(base, f"X{len(out) + 1}", xs, *found))
    return out, sorted(unchained), g_held, o_held


def _chain(
    base: Base,
    cid: str,
    xs: list[int],
    steps: list[tuple[int, int | None, int]],
    room: int | None,
    dropped: int | None,
) -> Chain:
    ids, lids = base.problem.consumption_ids, base.problem.licence_ids
    x = ids[xs[0]]
    text = f"greedy left {x} uncovered although it could use {lids[steps[0][2]]}"
    for c, before, after in steps[1:]:
        assert before is not None
        text += f"; greedy gave {lids[before]} to {ids[c]}, which could use {lids[after]}"
    if room is not None:
        text += f", which greedy left room on: move each along and {x} is covered too"
    else:
        assert dropped is not None
        text += f"; the optimum covers {x} instead of {ids[dropped]} (an exchange, no gain)"
    if len(xs) > 1:
        text += f" (the same chain covers any one of {len(xs)} such consumptions)"
    return Chain(
        id=cid,
        kind="augment" if room is not None else "swap",
        consumptions=tuple(ids[c] for c in xs),
        steps=tuple(
            ChainStep(
                consumption=ids[c],
                licence_from=None if before is None else lids[before],
                licence_to=lids[after],
            )
            for c, before, after in steps
        ),
        room=None if room is None else lids[room],
        dropped=None if dropped is None else ids[dropped],
        text=text,
    )


def affinity_changes(base: Base, greedy: Holdings, optimal: Holdings) -> list[AffinityChange]:
    """Consumptions both engines cover with one licence each, but different ones."""
    moved = np.flatnonzero(
        (greedy.count == 1) & (optimal.count == 1) & (greedy.licence != optimal.licence)
    )
    if not len(moved):
        return []
    rows = np.stack(
        [greedy.licence[moved], optimal.licence[moved], greedy.score[moved], optimal.score[moved]],
        axis=1,
    )
    keys, inverse = np.unique(rows, axis=0, return_inverse=True)
    members: list[list[int]] = [[] for _ in range(len(keys))]
    for c, group in zip(moved.tolist(), inverse.reshape(-1).tolist(), strict=True):
        members[group].append(c)
    ids, lids = base.problem.consumption_ids, base.problem.licence_ids
    out = [
        AffinityChange(
            licence_greedy=lids[int(key[0])],
            licence_optimal=lids[int(key[1])],
            score_greedy=int(key[2]),
            score_optimal=int(key[3]),
            consumptions=tuple(ids[c] for c in cs),
        )
        for key, cs in zip(keys.tolist(), members, strict=True)
    ]
    out.sort(key=lambda a: (natural_key(a.licence_greedy), natural_key(a.licence_optimal),
                            a.score_greedy, a.score_optimal))  # fmt: skip
    return out
