"""The org trees' ancestor sets and the product components are computed without a graph
library (it is not imported on the solve path); networkx, which the benchmarks' peers use,
checks them on random trees and graphs."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import networkx as nx
import pytest

from lcm_opt.compile.edge_arrays import from_classes
from lcm_opt.compile.problem import Edge
from lcm_opt.engines.components import product_components
from lcm_opt.rules.hierarchy import _ancestor_sets


def _networkx_ancestors(tree: dict[str, str | None]) -> dict[str, frozenset[str]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(tree)
    graph.add_edges_from((child, parent) for child, parent in tree.items() if parent is not None)
    return {node: frozenset(nx.descendants(graph, node)) for node in graph.nodes}


@pytest.mark.parametrize("seed", range(20))
def test_ancestor_sets_match_networkx(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(rng.randint(1, 40))]
    tree: dict[str, str | None] = {}
    for i, name in enumerate(names):
        # a parent earlier in the list keeps the tree acyclic; some parents are not keys
        tree[name] = rng.choice([None, *names[:i], "outside"]) if i else None
    assert _ancestor_sets(tree) == _networkx_ancestors(tree)


@pytest.mark.parametrize("seed", range(20))
def test_product_components_match_networkx(seed: int) -> None:
    rng = random.Random(seed)
    products, licences = rng.randint(1, 30), rng.randint(1, 40)
    owner = [rng.randrange(products) for _ in range(licences)]
    classes: list[Any] = []
    for _ in range(rng.randint(0, 25)):
        edges = tuple(
            Edge(rng.randrange(licences), 0, 1, "", False) for _ in range(rng.randint(0, 3))
        )
        classes.append(
            SimpleNamespace(product=rng.randrange(products), edges=edges, exact=edges, downgrade=())
        )
    problem: Any = SimpleNamespace(
        product_ids=[f"p{i}" for i in range(products)],
        licence_product=owner,
        classes=classes,
        edge_arrays=from_classes(classes),
    )
    graph = nx.Graph()
    graph.add_nodes_from(range(products))
    graph.add_edges_from(
        (cls.product, owner[e.licence]) for cls in classes for e in cls.edges
    )
    expected = sorted(sorted(c) for c in nx.connected_components(graph))
    assert product_components(problem) == expected


@pytest.mark.parametrize(
    "path",
    [
        "scenarios/demo/demo.yaml",
        "scenarios/examples/E13a.yaml",
        "scenarios/imports/contoso/scenario.yaml",
        "scenarios/whatif/estate.yaml",
    ],
)
def test_product_components_of_compiled_classes_read_downgrade_edges_alone(path: str) -> None:
    """A compiled problem's components are linked by its downgrade edges only: they equal
    the components read from every edge of the same classes, and some link products."""
    from lcm_opt.adapters.files import load_scenario
    from lcm_opt.compile.build import compile_scenario

    problem = compile_scenario(load_scenario(path))
    classes = tuple(problem.classes)
    every_edge: Any = SimpleNamespace(
        product_ids=problem.product_ids,
        licence_product=problem.licence_product,
        classes=classes,
        edge_arrays=from_classes(classes),
    )
    components = product_components(problem)
    assert components == product_components(every_edge)
    assert any(len(products) > 1 for products in components)
