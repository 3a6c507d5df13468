"""Min-cost flow backend (OR-Tools SimpleMinCostFlow) for unit-demand components.

Network: source -> class k (capacity = members) -> licence l (eligible edge) -> sink
(capacity = seats left). See models/FORMULATION.md for why each encoding is exact."""

from __future__ import annotations

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
    """Uniform weights: max flow of min cost, unit cost A_max - score (performance.md §6:
    coverage first by construction, no big-M). Otherwise: supply = demand with an
    'uncovered' arc per class and arc value W*weight + score, W = A_max*N + 1, so one more
    unit of weighted coverage outweighs any affinity difference (total affinity <= A_max*N)."""
    classes, licences = sub.classes, sub.licences
    node = {k: 2 + i for i, k in enumerate(classes)}
    lnode = {li: 2 + len(classes) + j for j, li in enumerate(licences)}
    total = sum(sub.count.values())
    a_max = sub.max_score
    big_w = a_max * total + 1
    value = {k: (big_w * sub.weight[k] if weighted else 0) for k in classes}
    top = max((value[k] + e.score for k in classes for e in sub.edges[k]), default=0)
    top = max(top, a_max)
    if top * (len(node) + len(lnode) + 3) >= _COST_LIMIT:
        raise FlowUnsafe
    pair_keys = [(k, e.licence) for k in classes for e in sub.edges[k]]
    tails = [SOURCE] * len(classes) + [node[k] for k, _ in pair_keys]
    heads = [node[k] for k in classes] + [lnode[li] for _, li in pair_keys]
    caps = [sub.count[k] for k in classes] + [sub.count[k] for k, _ in pair_keys]
    costs = [0] * len(classes) + [top - value[k] - e.score for k in classes for e in sub.edges[k]]
    for li in licences:
        cap = sub.capacity[li]
        tails.append(lnode[li])
        heads.append(SINK)
        caps.append(total if cap is None else min(cap, total))
        costs.append(0)
    if weighted:
        for k in classes:  # the 'uncovered' bypass keeps supply = demand
            tails.append(node[k])
            heads.append(SINK)
            caps.append(sub.count[k])
            costs.append(top)
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    # performance.md §7: supplies must be set even for the max-flow variant.
    smcf.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([total, -total]))
    status = smcf.solve() if weighted else smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise EngineError(f"min-cost flow returned status {status}")
    flows = smcf.flows(arcs)[len(classes) : len(classes) + len(pair_keys)]
    return _solution(sub, pair_keys, [int(f) for f in flows])


def _solution(
    sub: SubProblem, pair_keys: list[tuple[int, int]], flows: list[int]
) -> ComponentSolution:
    units: dict[tuple[int, int], int] = {}
    covered: dict[tuple[int, str], int] = {}
    group = {(k, e.licence): e.group for k in sub.classes for e in sub.edges[k]}
    score = {(k, e.licence): e.score for k in sub.classes for e in sub.edges[k]}
    for key, flow in zip(pair_keys, flows, strict=True):
        if flow:
            units[key] = flow
            gkey = (key[0], group[key])
            covered[gkey] = covered.get(gkey, 0) + flow
    value = sum(sub.weight[k] * n for (k, _), n in covered.items())
    affinity = sum(score[key] * n for key, n in units.items())
    return ComponentSolution(units, covered, Status.OPTIMAL, value, value, affinity)
