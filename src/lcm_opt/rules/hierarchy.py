"""`within` over the three org hierarchies (R15, A16): equal or a descendant at any depth.
Trees are validated acyclic by the loader; ancestor sets are computed once, by walking up
each node's parents (no graph library: this runs in every solve, and importing one costs
more than the walk)."""

from __future__ import annotations

from collections.abc import Mapping

from lcm_opt.domain import Dimension, Org


def _ancestor_sets(tree: Mapping[str, str | None]) -> dict[str, frozenset[str]]:
    """Every node (a key, or a parent named by one) -> its ancestors at any depth."""
    nodes = dict.fromkeys(tree)
    nodes.update(dict.fromkeys(parent for parent in tree.values() if parent is not None))
    out: dict[str, frozenset[str]] = {}
    for node in nodes:
        found: set[str] = set()
        parent = tree.get(node)
        while parent is not None and parent not in found:  # the guard is for cycles
            found.add(parent)
            parent = tree.get(parent)
        found.discard(node)
        out[node] = frozenset(found)
    return out


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
