"""The ComponentSolutions of many flows read back at once: flow_arrays._solution of each
component (the same units and coverage columns, entries in the same order, the same value
and affinity), worked out over the edges of every component together and then sliced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lcm_opt.domain import Status
from lcm_opt.engines.flow_arrays import _SAFE, _Flat, _runs, _solution
from lcm_opt.engines.lazy_maps import PairMap
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem

Ints = npt.NDArray[np.int64]


@dataclass
class EdgeColumns:
    """The edges of components laid end to end: component j's are `edge_at[j]:edge_at[j+1]`;
    `position` is each edge's class as a position into `classes` (every component's class
    indices, end to end), `weight` each class's weight."""

    edge_at: Ints
    licence: npt.NDArray[np.integer]
    score: Ints
    group: npt.NDArray[np.integer]
    groups: tuple[str, ...]
    position: Ints
    classes: Ints
    weight: Ints


def solutions(
    subs: Sequence[SubProblem], flows: Sequence[Ints | None], edges: EdgeColumns
) -> list[ComponentSolution | None]:
    """Per component, its solution from its flow on each of its edges (None: no flow)."""
    full = np.zeros(int(edges.edge_at[-1]), dtype=np.int64)
    for j, flow in enumerate(flows):
        if flow is not None:
            full[edges.edge_at[j] : edges.edge_at[j + 1]] = flow
    used = np.flatnonzero(full)
    amount = full[used]
    position = edges.position[used]
    scores, weights = edges.score[used], edges.weight[position]
    total = int(amount.sum())
    largest = max(int(np.abs(scores).max(initial=0)), int(np.abs(weights).max(initial=0)))
    if largest * total >= _SAFE:  # sums might leave int64: each component on its own
        return [
            None if flow is None else _solution(sub, _Flat(sub), flow)
            for sub, flow in zip(subs, flows, strict=True)
        ]
    affinity, value = _prefix(scores * amount), _prefix(weights * amount)
    classes = edges.classes[position]
    licence = edges.licence[used].astype(np.int64)
    codes = edges.group[used].astype(np.int64)
    width = int(edges.group.max(initial=0)) + 1
    where, sums = _runs(position * width + codes, amount)  # first occurrences, component-wise
    used_at = np.searchsorted(used, edges.edge_at)
    covered_at = np.searchsorted(where, used_at)
    out: list[ComponentSolution | None] = []
    for j, flow in enumerate(flows):
        if flow is None:
            out.append(None)
            continue
        a, b = int(used_at[j]), int(used_at[j + 1])
        c, d = int(covered_at[j]), int(covered_at[j + 1])
        rows = where[c:d]
        units = PairMap(classes[a:b], licence[a:b], amount[a:b], None)
        covered = PairMap(classes[rows], codes[rows], sums[c:d], edges.groups)
        worth = int(value[b] - value[a])
        solution = ComponentSolution(
            units, covered, Status.OPTIMAL, worth, worth, int(affinity[b] - affinity[a])
        )
        solution.flows = flow.astype(np.int64)
        out.append(solution)
    return out


def _prefix(column: Ints) -> Ints:
    """0 and the running sums of `column`: the sum of rows a..b-1 is out[b] - out[a]."""
    out = np.zeros(len(column) + 1, dtype=np.int64)
    np.cumsum(column, out=out[1:])
    return out
