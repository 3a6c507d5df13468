"""The min-cost flows of many components, their networks built in one pass: flow_arrays.py's
network of each component, arc for arc and node for node, laid end to end in shared
columns; each is then solved on its own by OR-Tools, so every flow (and every choice
between tied optima) is the one solve_flow_arrays finds.

Solving several components as one disjoint network would not do: OR-Tools' cost scaling
reads the whole network (its node count scales the costs), so tied optima come out
otherwise, and on the benchmarks it was slower too. What is shared here is the Python
and numpy work of stating each network, which at a thousand small components cost as
much as a fifth of the solving.

A component takes this path where flow_arrays would take its array path throughout: unit
demand, edge columns, no Track Deployment cap, weights and counts machine integers with
products well inside int64; any other is solved by `single` (solve_flow_arrays or its
fallbacks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from lcm_opt.compile.edge_arrays import joined
from lcm_opt.compile.order import distinct
from lcm_opt.engines.flow import _COST_LIMIT, SINK, SOURCE
from lcm_opt.engines.flow_arrays import _SAFE
from lcm_opt.engines.flow_batch_solutions import EdgeColumns, solutions
from lcm_opt.engines.lazy_maps import column
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.errors import EngineError
from lcm_opt.progress import advance

Ints = npt.NDArray[np.int64]
Solve = Callable[[SubProblem], ComponentSolution | None]


CHUNK = 1 << 18
"""Edges whose networks are stated together: the shared columns stay a few megabytes."""


def solve_flows(subs: Sequence[SubProblem], single: Solve) -> list[ComponentSolution | None]:
    """Per component, in order, what `single` gives (flow_arrays' path: a solution, None
    where flow cannot solve it). Progress counts the components solved."""
    out: list[ComponentSolution | None] = [None] * len(subs)
    finished = 0
    for batched, run in _runs(subs):
        if not batched:
            out[run[0]] = single(subs[run[0]])
            finished += 1
            advance("components", finished, len(subs))
            continue
        net = _build([subs[i] for i in run])
        flows: list[Ints | None] = []
        for j in range(len(run)):
            flows.append(net.flows(j) if net.batched[j] else None)
            finished += net.batched[j]
            advance("components", finished, len(subs))
        made = solutions([subs[i] for i in run], flows, net.edges)
        for j, i in enumerate(run):
            if net.batched[j]:
                out[i] = made[j]
            else:
                out[i] = single(subs[i])
                finished += 1
                advance("components", finished, len(subs))
    return out


def _runs(subs: Sequence[SubProblem]) -> list[tuple[bool, list[int]]]:
    """The components in order: batchable ones in runs of about CHUNK edges that name their
    split groups alike (True), each other one on its own (False)."""
    runs: list[tuple[bool, list[int]]] = []
    edges, groups = CHUNK, None
    for i, sub in enumerate(subs):
        columns = sub.columns
        if columns is None or not _batchable(sub):
            runs.append((False, [i]))
            continue
        size = len(columns.licence)
        if not runs or not runs[-1][0] or edges + size > CHUNK or columns.groups != groups:
            runs.append((True, []))
            edges, groups = 0, columns.groups
        runs[-1][1].append(i)
        edges += size
    return runs


def _batchable(sub: SubProblem) -> bool:
    columns = sub.columns
    return (
        columns is not None
        and sub.unit_demand
        and not sub.caps
        and len(sub.classes) > 0
        and bool((columns.start[1:] > columns.start[:-1]).all())
        and column(sub.count, sub.classes) is not None
        and column(sub.weight, sub.classes) is not None
    )


@dataclass
class _Part:
    """Arcs of one kind for every component, component after component: component j's are
    rows `start[j]:start[j + 1]`."""

    tails: npt.NDArray[np.int32]
    heads: npt.NDArray[np.int32]
    caps: Ints
    costs: Ints
    start: list[int]

    def add(self, smcf: min_cost_flow.SimpleMinCostFlow, j: int) -> Any:
        a, b = self.start[j], self.start[j + 1]
        return smcf.add_arcs_with_capacity_and_unit_cost(
            self.tails[a:b], self.heads[a:b], self.caps[a:b], self.costs[a:b]
        )


@dataclass
class _Networks:
    """Every component's network as flow_arrays._network states it, kind by kind: source
    -> class, class -> licence (one per edge), licence -> sink, and the 'uncovered' bypass
    of a weighted component; added to the solver in that order, arc for arc the same
    network. `unsafe[j]`: its costs could overflow the solver's int64 (flow_arrays raises
    FlowUnsafe there, and flow cannot solve it)."""

    parts: tuple[_Part, _Part, _Part, _Part]
    edges: EdgeColumns
    total: list[int]
    weighted: list[bool]
    unsafe: list[bool]
    batched: list[bool]  # False: its values need Python integers (flow_arrays' own path)

    def flows(self, j: int) -> Ints | None:
        """Component j's flow on each of its edges; None where flow cannot solve it."""
        if self.unsafe[j]:
            return None
        sources, edges, sinks, bypasses = self.parts
        smcf = min_cost_flow.SimpleMinCostFlow()
        sources.add(smcf, j)
        arcs = edges.add(smcf, j)
        sinks.add(smcf, j)
        if self.weighted[j]:
            bypasses.add(smcf, j)
        total = self.total[j]
        smcf.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([total, -total]))
        status = smcf.solve() if self.weighted[j] else smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:
            raise EngineError(f"min-cost flow returned status {status}")
        flows: Ints = smcf.flows(arcs)
        return flows


def _build(subs: Sequence[SubProblem]) -> _Networks:
    """flow_arrays._costs and _network of every component at once."""
    counts = [_column(sub.count, sub.classes) for sub in subs]
    weights = [_column(sub.weight, sub.classes) for sub in subs]
    columns = [sub.columns for sub in subs if sub.columns is not None]
    assert len(columns) == len(subs), "batched components have columns"
    n_class = np.array([len(sub.classes) for sub in subs], dtype=np.int64)
    n_edge = np.array([len(c.licence) for c in columns], dtype=np.int64)
    n_lic = np.array([len(sub.licences) for sub in subs], dtype=np.int64)
    count, weight = np.concatenate(counts), np.concatenate(weights)
    degree = np.concatenate([np.diff(c.start) for c in columns])
    licence = np.concatenate([c.licence for c in columns])
    score = np.concatenate([c.score for c in columns]).astype(np.int64, copy=False)
    class_at, edge_at, lic_at = _starts(n_class), _starts(n_edge), _starts(n_lic)
    total = np.add.reduceat(count, class_at[:-1])
    s_max = np.maximum.reduceat(score, edge_at[:-1]).tolist()
    s_min = np.minimum.reduceat(score, edge_at[:-1]).tolist()
    w_min, w_max = (f.reduceat(weight, class_at[:-1]) for f in (np.minimum, np.maximum))
    weighted = ~((w_min == w_max) & (w_min > 0))
    # flow_arrays._costs, in Python integers: W = spread * members + 1 over the
    # component's scores (0 included), and whether W * max |weight| stays below _SAFE
    big_w = [
        (max(hi, 0) - min(lo, 0)) * t + 1
        for hi, lo, t in zip(s_max, s_min, total.tolist(), strict=True)
    ]
    w_abs = np.maximum(np.abs(w_min), np.abs(w_max)).tolist()
    batched = [b * w < _SAFE for b, w in zip(big_w, w_abs, strict=True)]
    factor = [
        b if on and w else 0 for b, on, w in zip(big_w, batched, weighted.tolist(), strict=True)
    ]
    comp_of_class = np.repeat(np.arange(len(subs), dtype=np.int64), n_class)
    value = np.array(factor, dtype=np.int64)[comp_of_class] * weight
    class_of_edge = np.repeat(np.arange(len(count), dtype=np.int64), degree)
    best = np.maximum.reduceat(score, _starts(degree)[:-1])  # every class has an edge
    tops = np.maximum.reduceat(value + best, class_at[:-1]).tolist()
    top_of = [max(t, sub.max_score) for t, sub in zip(tops, subs, strict=True)]
    nodes = (2 + n_class + n_lic).tolist()
    unsafe = [t * (n + 1) >= _COST_LIMIT for t, n in zip(top_of, nodes, strict=True)]
    top = np.array([0 if u else t for t, u in zip(top_of, unsafe, strict=True)], np.int64)
    class_node = 2 + np.arange(len(count), dtype=np.int64) - class_at[comp_of_class]
    comp_of_lic = np.repeat(np.arange(len(subs), dtype=np.int64), n_lic)
    lic_node = 2 + n_class[comp_of_lic] + np.arange(len(comp_of_lic)) - lic_at[comp_of_lic]
    class_top = top[comp_of_class]
    zeros = np.zeros(len(count), dtype=np.int64)
    sources = _Part(_i32(zeros), _i32(class_node), count, zeros, class_at.tolist())
    edges = _Part(
        _i32(class_node)[class_of_edge],
        _i32(_licence_nodes(subs, licence, lic_node, n_edge)),
        count[class_of_edge],
        (class_top - value)[class_of_edge] - score,
        edge_at.tolist(),
    )
    sinks = _Part(
        _i32(lic_node),
        np.full(len(lic_node), SINK, dtype=np.int32),
        _seats(subs, total),
        np.zeros(len(lic_node), dtype=np.int64),
        lic_at.tolist(),
    )
    bypasses = _Part(
        _i32(class_node), np.full(len(count), SINK, np.int32), count, class_top, class_at.tolist()
    )
    columns_of = EdgeColumns(
        edge_at=edge_at,
        licence=licence,
        score=score,
        group=joined([c.group for c in columns]),
        groups=columns[0].groups,
        position=class_of_edge,
        classes=np.fromiter(chain.from_iterable(s.classes for s in subs), np.int64, len(count)),
        weight=weight,
    )
    return _Networks(
        parts=(sources, edges, sinks, bypasses),
        edges=columns_of,
        total=total.tolist(),
        weighted=weighted.tolist(),
        unsafe=unsafe,
        batched=batched,
    )


def _i32(a: Ints) -> npt.NDArray[np.int32]:
    return a.astype(np.int32)


def _column(mapping: Mapping[int, int], classes: Sequence[int]) -> Ints:
    made = column(mapping, classes)
    assert made is not None, "batched components' counts and weights are machine integers"
    return made


def _starts(sizes: Ints) -> Ints:
    """Where each part starts, laid end to end, and the end."""
    out = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out


def _licence_nodes(
    subs: Sequence[SubProblem], licence: npt.NDArray[Any], lic_node: Ints, n_edge: Ints
) -> Ints:
    """Per edge, its licence's node in its component's network (`lic_node`: per licence of
    each component, ascending, its node). Components share no licence where they come
    from `subproblems`: then one index over the licences answers; otherwise each
    (component, licence) is looked up."""
    every = np.fromiter(chain.from_iterable(s.licences for s in subs), np.int64, len(lic_node))
    bound = int(max(every.max(initial=0), licence.max(initial=0))) + 1
    if len(distinct(every)) == len(every):
        where = np.zeros(bound, dtype=np.int64)
        where[every] = lic_node
        out: Ints = where[licence]
        return out
    n_lic = [len(sub.licences) for sub in subs]
    comp_of_lic = np.repeat(np.arange(len(subs), dtype=np.int64), n_lic)
    comp_of_edge = np.repeat(np.arange(len(subs), dtype=np.int64), n_edge)
    keys = comp_of_lic * bound + every  # ascending: components in order, licences within
    found: Ints = lic_node[np.searchsorted(keys, comp_of_edge * bound + licence)]
    return found


def _seats(subs: Sequence[SubProblem], total: Ints) -> Ints:
    """Each licence arc's capacity: its seats left, at most the component's members."""
    out = []
    for sub, members in zip(subs, total.tolist(), strict=True):
        capacity = sub.capacity
        for li in sub.licences:
            seats = capacity[li]
            out.append(members if seats is None else min(seats, members))
    return np.array(out, dtype=np.int64)
