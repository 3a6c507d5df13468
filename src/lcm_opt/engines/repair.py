"""The optimiser's last step: capacity still left after every component handed to the
consumptions still uncovered that it can hold (optimal.py)."""

from __future__ import annotations

import numpy as np

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import SplitMode
from lcm_opt.engines.base import GrantRecord, Remaining
from lcm_opt.engines.greedy import choose


def _room(problem: Problem, remaining: Remaining, k: int) -> bool:
    """Whether some edge of class k scoring >= 0 has any capacity left (None: unlimited)."""
    cls = problem.classes[k]
    for edge in cls.edges:
        if edge.score >= 0:
            left = remaining.left(edge.licence, cls.product)
            if left is None or left > 0:
                return True
    return False


def _without_room(problem: Problem, remaining: Remaining, classes: list[int]) -> set[int]:
    """The `classes` none of whose edges scoring >= 0 has capacity left (`_room` of each).
    Without Track Deployment caps only the pools count: read from the edge columns, no
    class made; with them, class by class."""
    if remaining.caps_left():
        return {k for k in classes if not _room(problem, remaining, k)}
    arrays = problem.edge_arrays
    ks = np.array(classes, dtype=np.int64)
    rows = arrays.rows(ks)
    owner = np.repeat(np.arange(len(ks)), arrays.start[ks + 1] - arrays.start[ks])
    pool = remaining.pool_view()
    open_ = np.array([left is None or left > 0 for left in pool], dtype=bool)
    fits = (arrays.score[rows] >= 0) & open_[arrays.licence[rows]]
    room = np.zeros(len(ks), dtype=bool)
    room[owner[fits]] = True
    return set(ks[~room].tolist())


def repair(
    problem: Problem, remaining: Remaining, uncovered: list[int]
) -> tuple[list[GrantRecord], list[int]]:
    """Leftover capacity to consumptions still uncovered that it can hold, in consumption
    order, through edges scoring >= 0 so that neither criterion drops: a time-limited
    CP-SAT result or a class of weight 0 never leaves a `capacity` deficit beside a licence
    with room for it. Once a member of a class finds no room, later members of that class
    cannot either (capacity only shrinks), so the class is skipped from then on. Returns
    the grants added and the consumptions still uncovered."""
    added: list[GrantRecord] = []
    missing: list[int] = []
    # A class with no room at the start never gets any: seen as spent before the walk.
    class_of = problem.consumption_class
    classes = sorted(set(map(class_of.__getitem__, uncovered)))
    spent = _without_room(problem, remaining, classes)
    if len(spent) == len(classes):
        return added, list(uncovered)
    for c in uncovered:
        k = class_of[c]
        if k in spent:
            missing.append(c)
            continue
        cls = problem.classes[k]
        edges = tuple(e for e in cls.edges if e.score >= 0)
        take = choose(edges, remaining, SplitMode.WHOLE_FIT_FIRST, cls.product) if edges else None
        if take is None:
            spent.add(k)
            missing.append(c)
            continue
        for edge, units in take:
            remaining.take(edge.licence, units, cls.product)
            added.append(GrantRecord(c, edge.licence, units, False, edge.score, edge.downgrade))
    return added, missing
