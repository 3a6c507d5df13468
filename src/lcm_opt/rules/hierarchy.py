"""`within` over the three org hierarchies (R15, A16): equal or a descendant at any depth.
Trees are validated acyclic by the loader; ancestor sets are computed once with networkx."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from lcm_opt.domain import Dimension, Org


def _ancestor_sets(tree: Mapping[str, str | None]) -> dict[str, frozenset[str]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(tree)
    graph.add_edges_from((child, parent) for child, parent in tree.items() if parent is not None)
    # Edges point child -> parent, so a node's "descendants" in the graph are its ancestors.
    return {node: frozenset(nx.descendants(graph, node)) for node in graph.nodes}


class Hierarchy:
    """The org trees of one scenario, answering `a within b` in O(1)."""

    def __init__(self, org: Org) -> None:
        self._ancestors = {dim: _ancestor_sets(org.tree(dim)) for dim in Dimension}

    def within(self, dimension: Dimension, a: str, b: str, strict: bool = False) -> bool:
        """True when a == b (unless strict) or b is an ancestor of a. Values missing from
        a tree have no ancestors: only equality holds for them."""
        if a == b:
            return not strict
        return b in self._ancestors[dimension].get(a, frozenset())

    def ancestors(self, dimension: Dimension, node: str) -> frozenset[str]:
        return self._ancestors[dimension].get(node, frozenset())
