"""The class graph of one component as a max-flow network, in licence units:
source -> class (members x the fewest units a member draws) -> [Track Deployment cap node]
-> licence -> sink (units left). For unit demand its max flow is what the optimiser covers;
otherwise it is the relaxation of the all-or-nothing demand. Its minimum cut is the proof:
the source side holds the classes S and everything they may use, N(S)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import max_flow

from lcm_opt.errors import EngineError
from lcm_opt.services.explain.base import Base

SOURCE, SINK = 0, 1


@dataclass
class Network:
    classes: list[int]
    supply: dict[int, int]  # class -> licence units it asks
    infinite: int
    class_node: dict[int, int] = field(default_factory=dict)
    licence_node: dict[int, int] = field(default_factory=dict)
    cap_node: dict[tuple[int, int], int] = field(default_factory=dict)
    source_arc: dict[int, int] = field(default_factory=dict)  # class -> arc index
    sink_arc: dict[int, int] = field(default_factory=dict)  # licence -> arc index
    solver: max_flow.SimpleMaxFlow = field(default_factory=max_flow.SimpleMaxFlow)
    flow: int = 0

    def solve(self) -> int:
        status = self.solver.solve(SOURCE, SINK)
        if status != self.solver.OPTIMAL:
            raise EngineError(f"max flow returned status {status}")
        self.flow = self.solver.optimal_flow()
        return self.flow

    def source_side(self) -> set[int]:
        return set(self.solver.get_source_side_min_cut())


def build(base: Base, classes: list[int]) -> Network:
    problem = base.problem
    supply = {k: len(base.free[k]) * base.min_units[k] for k in classes}
    finite = sum(left for left in base.pool if left is not None) + sum(base.caps.values())
    infinite = max(sum(supply.values()), finite) + 1
    net = Network(classes, supply, infinite)
    nodes = 2

    def node() -> int:
        nonlocal nodes
        nodes += 1
        return nodes - 1

    add = net.solver.add_arc_with_capacity
    for k in classes:
        net.class_node[k] = node()
        net.source_arc[k] = add(SOURCE, net.class_node[k], supply[k])
    edges = problem.classes
    licences = sorted({e.licence for k in classes for e in edges[k].edges})
    for li in licences:
        net.licence_node[li] = node()
        left = base.pool[li]
        net.sink_arc[li] = add(
            net.licence_node[li], SINK, infinite if left is None else min(left, infinite)
        )
    lnode = net.licence_node
    tails = [net.class_node[k] for k in classes for _ in edges[k].edges]
    if base.caps:
        heads = []
        for k in classes:
            product = edges[k].product
            for e in edges[k].edges:
                key = (e.licence, product)
                if key not in base.caps:
                    heads.append(lnode[e.licence])
                    continue
                if key not in net.cap_node:
                    net.cap_node[key] = node()
                    add(net.cap_node[key], lnode[e.licence], min(base.caps[key], infinite))
                heads.append(net.cap_node[key])
    else:
        heads = [lnode[e.licence] for k in classes for e in edges[k].edges]
    if tails:
        net.solver.add_arcs_with_capacity(
            np.array(tails, np.int32),
            np.array(heads, np.int32),
            np.full(len(tails), infinite, np.int64),
        )
    return net


def licence_capacity(base: Base, licence: int, products: set[int], uncapped: bool) -> int | None:
    """What licence `licence` can give to consumptions of `products`: its pool, or less when
    every one of those products is held to a Track Deployment cap on it. None = unlimited."""
    pool = base.pool[licence]
    if uncapped:
        return pool
    capped = sum(base.caps[(licence, p)] for p in products)
    return capped if pool is None else min(pool, capped)
