"""The min-cost flow of flow.py built and read back as arrays: the same network, arc for
arc and node for node, so the same flows and the same ComponentSolution; Python touches each
edge once (to read its licence and score) instead of once per network column.

flow.py stays the straightforward statement of the network; the tests hold the two to the
same result on every fixture and generated estate."""

from __future__ import annotations

from operator import attrgetter, mul

import numpy as np
from ortools.graph.python import min_cost_flow

from lcm_opt.compile.problem import Edge
from lcm_opt.domain import Status
from lcm_opt.engines.expand_arrays import run_starts
from lcm_opt.engines.flow import _COST_LIMIT, SINK, SOURCE, FlowUnsafe
from lcm_opt.engines.lazy_maps import PairMap, column
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.errors import EngineError

_licence, _score = attrgetter("licence"), attrgetter("score")
_SAFE = 1 << 61  # int64 sums and products below this cannot overflow in what follows


class _Flat:
    """A component's edges in (class, edge) order as columns."""

    def __init__(self, sub: SubProblem) -> None:
        self.classes = sub.classes
        count = column(sub.count, self.classes)
        assert count is not None, "member counts are machine integers"
        self.count = count
        self.weight = column(sub.weight, self.classes)  # None: some weight is not int64
        if sub.columns is not None:  # the same edges, already columns
            columns = sub.columns
            self.degree = np.diff(columns.start)
            self.licence, self.score = columns.licence, columns.score
            self._names, self._codes = columns.groups, columns.group
        else:
            per_class = [sub.edges[k] for k in self.classes]
            edges: list[Edge] = [e for edges in per_class for e in edges]
            n = len(edges)
            self.degree = np.fromiter(map(len, per_class), np.int64, len(per_class))
            self.licence = np.fromiter(map(_licence, edges), np.int64, n)
            self.score = np.fromiter(map(_score, edges), np.int64, n)
            self._names = tuple(dict.fromkeys(e.group for e in edges))
            code = {name: i for i, name in enumerate(self._names)}
            self._codes = np.fromiter((code[e.group] for e in edges), np.int64, n)
        self.at = np.repeat(np.arange(len(self.classes)), self.degree)  # class position per edge
        self.size = len(self.licence)

    def groups(self, rows: np.ndarray) -> list[str]:
        """The split group of each of these edges."""
        names = self._names
        return [names[g] for g in self._codes[rows].tolist()]


def solve_flow_arrays(sub: SubProblem) -> ComponentSolution:
    assert sub.unit_demand, "flow needs every edge to ask 1 unit"
    flat = _Flat(sub)
    weighted, value, top = _costs(sub, flat)
    capped = sub.capped()
    nodes = 2 + len(sub.classes) + len(sub.licences) + len(capped)
    if top * (nodes + 1) >= _COST_LIMIT:
        raise FlowUnsafe
    total = int(flat.count.sum())
    tails, heads, caps, costs = _network(sub, flat, np.array(value, np.int64), top, weighted)
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([total, -total]))
    status = smcf.solve() if weighted else smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise EngineError(f"min-cost flow returned status {status}")
    first = len(sub.classes)
    return _solution(sub, flat, smcf.flows(arcs)[first : first + flat.size])


def _costs(sub: SubProblem, flat: _Flat) -> tuple[bool, np.ndarray | list[int], int]:
    """Whether the classes' weights differ (then coverage is priced, flow.py), each class's
    value W * weight, and the top unit cost every arc cost is taken from. From the weight
    column where every product stays well inside int64, else in Python integers."""
    total = int(flat.count.sum())
    scores = flat.score
    spread = max(int(scores.max(initial=0)), 0) - min(int(scores.min(initial=0)), 0)
    big_w = spread * total + 1
    weight = flat.weight
    if weight is not None and big_w * int(np.abs(weight).max(initial=0)) < _SAFE:
        weighted = not (len(weight) and weight[0] > 0 and bool((weight == weight[0]).all()))
        value = big_w * weight if weighted else np.zeros(len(weight), np.int64)
        has = flat.degree > 0
        top = 0
        if has.any():
            starts = (np.cumsum(flat.degree) - flat.degree)[has]
            best = np.maximum.reduceat(scores, starts)
            top = int((value[has] + best).max())
        return weighted, value, max(top, sub.max_score)
    weights = {sub.weight[k] for k in sub.classes}
    weighted = not (len(weights) == 1 and weights.pop() > 0)
    values = [big_w * sub.weight[k] if weighted else 0 for k in sub.classes]
    top = max(
        (v + best for v, best in zip(values, _class_max(flat), strict=True) if best is not None),
        default=0,
    )
    return weighted, values, max(top, sub.max_score)


def _class_max(flat: _Flat) -> list[int | None]:
    """Each class's highest edge score, None for a class without edges."""
    has = flat.degree > 0
    out: list[int | None] = [None] * len(flat.degree)
    if has.any():
        starts = (np.cumsum(flat.degree) - flat.degree)[has]
        best = np.maximum.reduceat(flat.score, starts).tolist()
        for position, score in zip(np.flatnonzero(has).tolist(), best, strict=True):
            out[position] = score
    return out


def _network(
    sub: SubProblem, flat: _Flat, value: np.ndarray, top: int, weighted: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """flow._network's arcs in its order: source -> class, class -> licence, licence ->
    sink, cap node -> licence, then the 'uncovered' bypasses."""
    n_class, total = len(sub.classes), int(flat.count.sum())
    class_node = 2 + np.arange(n_class, dtype=np.int64)
    licences = np.array(sub.licences, dtype=np.int64)
    licence_node = 2 + n_class + np.arange(len(licences), dtype=np.int64)
    capped = sub.capped()
    cap_node = {key: 2 + n_class + len(licences) + i for i, key in enumerate(capped)}
    heads = licence_node[np.searchsorted(licences, flat.licence)]
    if cap_node:
        product = [sub.product.get(k, -1) for k in sub.classes]
        at = flat.at.tolist()
        for i, li in enumerate(flat.licence.tolist()):
            node = cap_node.get((li, product[at[i]]))
            if node is not None:
                heads[i] = node
    seats = [sub.capacity[li] for li in sub.licences]
    parts = [
        (np.full(n_class, SOURCE), class_node, flat.count, np.zeros(n_class, np.int64)),
        (class_node[flat.at], heads, flat.count[flat.at], top - value[flat.at] - flat.score),
        (
            licence_node,
            np.full(len(licences), SINK),
            np.array([total if s is None else min(s, total) for s in seats], np.int64),
            np.zeros(len(licences), np.int64),
        ),
        (
            np.array(list(cap_node.values()), np.int64),
            np.array([licence_node[np.searchsorted(licences, li)] for li, _ in cap_node], np.int64),
            np.array([min(sub.caps[key], total) for key in cap_node], np.int64),
            np.zeros(len(cap_node), np.int64),
        ),
    ]
    if weighted:
        parts.append((class_node, np.full(n_class, SINK), flat.count, np.full(n_class, top)))
    tails, heads_, caps, costs = (np.concatenate([p[i] for p in parts]) for i in range(4))
    return (
        tails.astype(np.int32),
        heads_.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )


def _solution(sub: SubProblem, flat: _Flat, flows: np.ndarray) -> ComponentSolution:
    """flow._solution from the flow column: entries in edge order, only where it flows.
    A class has one edge per licence, so `units` is the flowing edges as they come; the
    flows of a (class, group) are summed in arrays, the pair placed where it first flows.
    Both stay columns (lazy_maps.PairMap) until read as dicts."""
    used = np.flatnonzero(flows)
    amount = flows[used].astype(np.int64)
    at = flat.at[used]
    classes = np.asarray(flat.classes, dtype=np.int64)[at]
    units = PairMap(classes, flat.licence[used].astype(np.int64), amount, None)
    codes = flat._codes[used].astype(np.int64)
    where, sums = _runs(at * (int(flat._codes.max(initial=0)) + 1) + codes, amount)
    covered = PairMap(classes[where], codes[where], sums, flat._names)
    total = int(amount.sum())
    scores = flat.score[used]
    if int(np.abs(scores).max(initial=0)) * total < _SAFE:
        affinity = int(scores @ amount)
    else:
        affinity = sum(map(mul, scores.tolist(), amount.tolist()))
    weight = flat.weight
    if weight is not None and int(np.abs(weight).max(initial=0)) * total < _SAFE:
        value = int(weight[at] @ amount)
    else:
        value = sum(sub.weight[k] * n for (k, _), n in covered.items())
    solution = ComponentSolution(units, covered, Status.OPTIMAL, value, value, affinity)
    if sub.columns is not None:
        solution.flows = flows.astype(np.int64)
    return solution


def _runs(key: np.ndarray, amount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each distinct `key` first occurs, in order of that occurrence, and the sum of
    `amount` over its rows. Keys already ascending (one split group: the class order) are
    runs, read without a sort."""
    if not len(key) or bool((key[1:] >= key[:-1]).all()):
        starts = run_starts(key)
        return starts, np.add.reduceat(amount, starts) if len(key) else amount
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    sums = np.zeros(len(first), dtype=np.int64)
    np.add.at(sums, inverse.reshape(-1), amount)
    placed = np.argsort(first, kind="stable")
    return first[placed], sums[placed]
