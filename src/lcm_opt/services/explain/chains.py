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
from operator import itemgetter

import numpy as np

from lcm_opt.domain.explain import AffinityChange, Chain, ChainStep
from lcm_opt.services.explain.base import Base
from lcm_opt.services.explain.chains_multi import multi_unit
from lcm_opt.services.explain.holdings import BoolArray, Documented, Holdings, IntArray


def _class_counts(base: Base, held: Holdings, unit: BoolArray) -> tuple[IntArray, IntArray]:
    """Sorted keys class * width + licence of single-grant unit members (pins left out),
    and how many members each key has."""
    cls = base.classes
    mask = (held.licence >= 0) & (held.count == 1) & unit[cls] & ~base.settled
    width = max(len(base.problem.licence_ids), 1)
    keys, counts = np.unique(cls[mask] * width + held.licence[mask], return_counts=True)
    return keys, counts


class _Search:
    def __init__(self, base: Base, greedy: Holdings, optimal: Holdings, unit: BoolArray) -> None:
        self.base, self.greedy, self.optimal = base, greedy, optimal
        self.width = width = max(len(base.problem.licence_ids), 1)
        self.g_keys, g_counts = _class_counts(base, greedy, unit)
        o_keys, o_counts = _class_counts(base, optimal, unit)
        keys = np.union1d(self.g_keys, o_keys)
        d = np.zeros(len(keys), np.int64)
        d[np.searchsorted(keys, o_keys)] += o_counts
        d[np.searchsorted(keys, self.g_keys)] -= g_counts
        self.into: dict[int, list[int]] = {}  # licence -> classes the optimum adds to it
        self.off: dict[int, list[int]] = {}  # class -> licences the optimum takes it off
        for key in keys[d > 0].tolist():
            k, li = divmod(key, width)
            self.into.setdefault(li, []).append(k)
        for key in keys[d < 0].tolist():
            k, li = divmod(key, width)
            self.off.setdefault(k, []).append(li)
        used = greedy.used(len(base.pool)).tolist()
        self.room = {
            li for li, left in enumerate(base.pool0) if left is None or left - used[li] > 0
        }
        self._members: dict[int, IntArray] = {}

    def held(self, k: int) -> list[int]:
        """Licences greedy gave members of class k."""
        lo, hi = np.searchsorted(self.g_keys, [k * self.width, (k + 1) * self.width])
        return [key % self.width for key in self.g_keys[lo:hi].tolist()]

    def backwards(self, ends: set[int], classes: set[int]) -> tuple[dict[int, int], dict[int, int]]:
        """next_licence[class] and next_class[licence] towards `ends` (licences with room)
        or `classes` (drop classes: a member may be uncovered instead)."""
        to_licence: dict[int, int] = {}
        to_class: dict[int, int] = {}
        queue: deque[tuple[bool, int]] = deque((True, li) for li in sorted(ends))
        seen_l, seen_k = set(ends), set(classes)
        for kz in sorted(classes):
            for li in self.held(kz):
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
        members = self._members.get(k)
        if members is None:
            members = self._members[k] = np.asarray(self.base.free[k], np.int64)
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
    base: Base, greedy: Documented, optimal: Holdings
) -> tuple[list[Chain], list[int], Holdings, Holdings]:
    """A chain per start class (covering all its greedy-only deficits) and the greedy-only
    deficits left unchained (multi-unit demand, or no path)."""
    g_held, o_held = greedy.held, optimal
    unit: BoolArray = np.array(base.unit, dtype=np.bool_)
    cls = base.classes
    gained = greedy.short
    gained = np.sort(gained[o_held.licence[gained] >= 0])
    chained = unit[cls[gained]] & (o_held.count[gained] == 1)
    unchained: list[int] = []
    out: list[tuple[int, _Found]] = []
    for x, steps, room, dropped in multi_unit(base, g_held, o_held, gained[~chained].tolist()):
        if steps:
            out.append((x, ([x], steps, room, dropped)))
        else:
            unchained.append(x)
    starts: dict[int, list[int]] = {}
    for c, k in zip(gained[chained].tolist(), cls[gained[chained]].tolist(), strict=True):
        starts.setdefault(k, []).append(c)
    if not starts:
        return _numbered(base, out), sorted(unchained), g_held, o_held
    search = _Search(base, g_held, o_held, unit)
    ahead = search.backwards(search.room, set())
    drops: set[int] = set()
    if any(k not in ahead[0] for k in starts):
        mask = (g_held.licence >= 0) & (o_held.licence < 0) & (g_held.count == 1) & unit[cls]
        mask &= ~base.settled
        drops = set(np.unique(cls[mask]).tolist())
    behind = search.backwards(set(), drops) if drops else ({}, {})
    for k0, members in sorted(starts.items(), key=lambda kv: kv[1][0]):
        xs = sorted(members)
        if k0 in ahead[0]:
            found = _path(search, k0, xs[0], *ahead, swap=False)
        elif k0 in drops:
            li = search.held(k0)[0]
            found = ([(xs[0], None, li)], None, search.member(k0, li, None, dropped=True))
        elif k0 in behind[0]:
            found = _path(search, k0, xs[0], *behind, swap=True)
        else:
            unchained.extend(xs)
            continue
        out.append((xs[0], (xs, *found)))
    return _numbered(base, out), sorted(unchained), g_held, o_held


_Found = tuple[list[int], list[tuple[int, int | None, int]], int | None, int | None]


def _numbered(base: Base, found: list[tuple[int, _Found]]) -> list[Chain]:
    """In the order of the first consumption each covers (natural id order), X1, X2, ..."""
    found.sort(key=itemgetter(0))
    return [_chain(base, f"X{n}", *chain) for n, (_, chain) in enumerate(found, 1)]


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
    return Chain.model_construct(
        id=cid,
        kind="augment" if room is not None else "swap",
        consumptions=tuple(ids[c] for c in xs),
        steps=tuple(
            ChainStep.model_construct(
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
    """Consumptions both engines cover with one licence each, but different ones. Scores
    are per (class, licence): looked up once per distinct pair."""
    moved = np.flatnonzero(
        (greedy.count == 1)
        & (optimal.count == 1)
        & (greedy.licence != optimal.licence)
        & ~base.settled
    )
    if not len(moved):
        return []
    problem = base.problem
    cls = base.classes[moved]
    g_lic, o_lic = greedy.licence[moved], optimal.licence[moved]
    g_score, o_score = _scores(base, cls, g_lic, o_lic)
    order = np.lexsort((moved, o_score, g_score, o_lic, g_lic))
    rows = np.stack([g_lic, o_lic, g_score, o_score])[:, order]
    cuts = np.flatnonzero(np.any(np.diff(rows, axis=1) != 0, axis=0)) + 1
    starts = [0, *cuts.tolist()]
    ends = [*cuts.tolist(), len(order)]
    ids, lids = problem.consumption_ids, problem.licence_ids
    members = moved[order].tolist()
    out = []
    keys = rows[:, starts].T.tolist()
    for start, end, key in zip(starts, ends, keys, strict=True):
        chosen = members[start:end]
        out.append(
            AffinityChange.model_construct(
                licence_greedy=lids[key[0]],
                licence_optimal=lids[key[1]],
                score_greedy=key[2],
                score_optimal=key[3],
                consumptions=tuple(ids[c] for c in chosen)
                if len(chosen) < 2
                else itemgetter(*chosen)(ids),
            )
        )
    # licence indices are in natural id order (A31): the lexsort already sorted them
    return out


def _scores(base: Base, cls: IntArray, *lics: IntArray) -> list[IntArray]:
    """The score of each (class, licence) pair, for each licence column."""
    width = max(len(base.problem.licence_ids), 1)
    keys = np.concatenate([cls * width + lic for lic in lics])
    unique, inverse = np.unique(keys, return_inverse=True)
    classes = base.problem.classes
    scores: dict[int, dict[int, int]] = {}
    found = []
    for key in unique.tolist():
        k, li = divmod(key, width)
        of = scores.get(k)
        if of is None:
            of = scores[k] = {}
            for e in (*classes[k].exact, *classes[k].downgrade):
                of.setdefault(e.licence, e.score)
        found.append(of[li])
    every: IntArray = np.asarray(found, np.int64)[inverse.reshape(-1)]
    return np.split(every, len(lics))
