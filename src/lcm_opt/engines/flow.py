"""Min-cost flow backend (OR-Tools SimpleMinCostFlow) for unit-demand components.

Network: source -> class k (capacity = members) -> licence l (eligible edge) -> sink
(capacity = seats left); a Track Deployment cap of (l, product) adds a node between that
product's class arcs and l, with capacity = the cap left. See models/FORMULATION.md for
why each encoding is exact."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from lcm_opt.domain import Status
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.errors import EngineError

SOURCE, SINK = 0, 1
# OR-Tools multiplies unit costs by (nodes + 1); keep the product well inside int64.
_COST_LIMIT = 2**62


class FlowUnsafe(Exception):
    """The weighted encoding would risk int64 overflow: use CP-SAT instead."""


def solve_flow(sub: SubProblem) -> ComponentSolution:
    assert sub.unit_demand, "flow needs every edge to ask 1 unit"
    weights = {sub.weight[k] for k in sub.classes}
    if len(weights) == 1 and weights.pop() > 0:
        return _solve(sub, weighted=False)
    return _solve(sub, weighted=True)


def _solve(sub: SubProblem, weighted: bool) -> ComponentSolution:
    """Uniform weights: max flow of min cost, unit cost A_max - score (docs/formulation.md:
    coverage first by construction, no big-M). Otherwise: supply = demand with an
    'uncovered' arc per class and arc value W*weight + score, W = (s_max - s_min)*N + 1 over
    the component's edge scores (s_min <= 0 <= s_max: rule sets may carry negative weights),
    so one more unit of weighted coverage outweighs any affinity difference."""
    total = sum(sub.count.values())
    scores = [e.score for k in sub.classes for e in sub.edges[k]]
    spread = max([*scores, 0]) - min([*scores, 0])
    big_w = spread * total + 1
    value = {k: (big_w * sub.weight[k] if weighted else 0) for k in sub.classes}
    top = max((value[k] + e.score for k in sub.classes for e in sub.edges[k]), default=0)
    top = max(top, sub.max_score)
    net = _network(sub, value, top, weighted)
    if top * (net.nodes + 1) >= _COST_LIMIT:  # nodes counts source and sink
        raise FlowUnsafe
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.array(net.tails, dtype=np.int32),
        np.array(net.heads, dtype=np.int32),
        np.array(net.caps, dtype=np.int64),
        np.array(net.costs, dtype=np.int64),
    )
    # OR-Tools' min-cost flow needs the supplies set even for the max-flow variant.
    smcf.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([total, -total]))
    status = smcf.solve() if weighted else smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise EngineError(f"min-cost flow returned status {status}")
    first = len(sub.classes)
    flows = smcf.flows(arcs)[first : first + len(net.pair_keys)]
    return _solution(sub, net.pair_keys, flows.tolist())


@dataclass
class _Network:
    nodes: int = 2
    tails: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    costs: list[int] = field(default_factory=list)
    pair_keys: list[tuple[int, int]] = field(default_factory=list)

    def node(self) -> int:
        self.nodes += 1
        return self.nodes - 1

    def arc(self, tail: int, head: int, cap: int, cost: int) -> None:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.costs.append(cost)


def _network(sub: SubProblem, value: dict[int, int], top: int, weighted: bool) -> _Network:
    """Arcs in a fixed order: source -> class, class -> licence (one per edge, read back as
    the solution), licence -> sink, cap node -> licence, then the 'uncovered' bypasses. A
    capped (licence, product) pair (L5, A45) gets its own node between that product's
    class arcs and the licence, with capacity = the cap left: exact, still a network.
    Built column by column: a component can have hundreds of thousands of arcs."""
    net = _Network()
    total = sum(sub.count.values())
    node = {k: net.node() for k in sub.classes}
    lnode = {li: net.node() for li in sub.licences}
    cnode = {key: net.node() for key in sub.capped()}
    classes, count, edges = sub.classes, sub.count, sub.edges
    net.tails += [SOURCE] * len(classes)
    net.heads += [node[k] for k in classes]
    net.caps += [count[k] for k in classes]
    net.costs += [0] * len(classes)
    net.pair_keys = [(k, e.licence) for k in classes for e in edges[k]]
    net.tails += [node[k] for k in classes for _ in edges[k]]
    if cnode:
        product = sub.product
        net.heads += [
            cnode.get((e.licence, product.get(k, -1)), lnode[e.licence])
            for k in classes
            for e in edges[k]
        ]
    else:
        net.heads += [lnode[e.licence] for k in classes for e in edges[k]]
    net.caps += [count[k] for k in classes for _ in edges[k]]
    net.costs += [top - value[k] - e.score for k in classes for e in edges[k]]
    for li in sub.licences:
        cap = sub.capacity[li]
        net.arc(lnode[li], SINK, total if cap is None else min(cap, total), 0)
    for (li, p), n in cnode.items():
        net.arc(n, lnode[li], min(sub.caps[li, p], total), 0)
    if weighted:
        for k in classes:  # the 'uncovered' bypass keeps supply = demand
            net.arc(node[k], SINK, count[k], top)
    return net


def _solution(
    sub: SubProblem, pair_keys: list[tuple[int, int]], flows: list[int]
) -> ComponentSolution:
    units: dict[tuple[int, int], int] = {}
    covered: dict[tuple[int, str], int] = {}
    affinity = 0
    edges = (e for k in sub.classes for e in sub.edges[k])
    for key, flow, edge in zip(pair_keys, flows, edges, strict=True):
        if flow:
            units[key] = flow
            gkey = (key[0], edge.group)
            covered[gkey] = covered.get(gkey, 0) + flow
            affinity += edge.score * flow
    value = sum(sub.weight[k] * n for (k, _), n in covered.items())
    return ComponentSolution(units, covered, Status.OPTIMAL, value, value, affinity)
