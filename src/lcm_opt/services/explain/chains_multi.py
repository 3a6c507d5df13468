"""Chains for consumptions that draw several licence units (cores, processors), one
consumption at a time, at most two steps deep: X takes the licence the optimum gives it when
the documented engine left room for its units there; else a consumption Y greedy put there
moves to the licence the optimum gives Y, if that one has room; else Y, which the optimum
leaves uncovered, is dropped for X (a swap). Anything else stays unchained."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lcm_opt.services.explain.base import Base
from lcm_opt.services.explain.holdings import Holdings, IntArray

Step = tuple[int, int | None, int]
Found = tuple[int, list[Step], int | None, int | None]
SCAN = 200
"""Candidates Y looked at per consumption: enough to find a move, bounded at scale."""


class _Room:
    """What the documented engine left on each pool and Track Deployment cap."""

    def __init__(self, base: Base, greedy: Holdings) -> None:
        problem = base.problem
        self.base = base
        self.used = greedy.used(len(base.pool)).tolist()
        self.drawn: dict[tuple[int, int], int] = {}
        self.caps0 = dict(base.caps)
        if not base.caps:
            return
        assert greedy.units is not None and greedy.direct is not None
        width = max(len(problem.product_ids), 1)
        of_class = np.asarray([cls.product for cls in problem.classes], np.int64)
        keys = greedy.licences * width + of_class[base.classes[greedy.cons]]
        self.drawn = _by_key(keys, greedy.units, width)
        pinned = _by_key(keys[greedy.direct], greedy.units[greedy.direct], width)
        for pair, units in pinned.items():
            if pair in self.caps0:  # base.caps are after pins; greedy's own pins are drawn
                self.caps0[pair] += units

    def fits(self, changes: dict[tuple[int, int], int]) -> bool:
        """`changes`: (licence, product) -> units added (negative: released)."""
        per_licence: dict[int, int] = {}
        for (li, p), units in changes.items():
            per_licence[li] = per_licence.get(li, 0) + units
            cap = self.caps0.get((li, p))
            if cap is not None and self.drawn.get((li, p), 0) + units > cap:
                return False
        for li, units in per_licence.items():
            pool = self.base.pool0[li]
            if pool is not None and self.used[li] + units > pool:
                return False
        return True


def multi_unit(base: Base, greedy: Holdings, optimal: Holdings, xs: list[int]) -> Iterator[Found]:
    if not xs:
        return
    problem = base.problem
    room = _Room(base, greedy)
    single = (greedy.count == 1) & ~base.settled
    by_licence = np.argsort(greedy.licence, kind="stable")
    sorted_licences = greedy.licence[by_licence]

    def product(c: int) -> int:
        return problem.classes[problem.consumption_class[c]].product

    def units(held: Holdings, c: int) -> int:
        return held.units_of(c)

    for x in xs:
        if optimal.count[x] != 1:
            yield x, [], None, None
            continue
        l1, ux, px = int(optimal.licence[x]), units(optimal, x), product(x)
        if room.fits({(l1, px): ux}):
            yield x, [(x, None, l1)], l1, None
            continue
        lo, hi = np.searchsorted(sorted_licences, [l1, l1 + 1])
        holders = [c for c in by_licence[lo:hi].tolist() if single[c] and c != x][:SCAN]
        found: Found | None = None
        for y in holders:
            l2 = int(optimal.licence[y])
            if l2 < 0 or l2 == l1 or optimal.count[y] != 1:
                continue
            py = product(y)
            moved = _change(
                ((l1, px), ux), ((l1, py), -units(greedy, y)), ((l2, py), units(optimal, y))
            )
            if room.fits(moved):
                found = (x, [(x, None, l1), (y, l1, l2)], l2, None)
                break
        for y in holders if found is None else ():
            if optimal.licence[y] < 0 and room.fits(
                _change(((l1, px), ux), ((l1, product(y)), -units(greedy, y)))
            ):
                found = (x, [(x, None, l1)], None, y)
                break
        yield found if found is not None else (x, [], None, None)


def _by_key(keys: IntArray, units: IntArray, width: int) -> dict[tuple[int, int], int]:
    """Units summed per key licence * width + product, as (licence, product) -> units."""
    found, at = np.unique(keys, return_inverse=True)
    sums = np.zeros(len(found), np.int64)
    np.add.at(sums, at.reshape(-1), units)
    return {divmod(k, width): u for k, u in zip(found.tolist(), sums.tolist(), strict=True)}


def _change(*items: tuple[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    for key, units in items:
        out[key] = out.get(key, 0) + units
    return out
