"""One connected component of the optimisation, after pins: what a backend solves.

Both backends (flow.py, cpsat.py) take a SubProblem and return a ComponentSolution in
class-level aggregates; expand.py turns those into per-consumption grants."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.edge_arrays import EdgeArrays
from lcm_opt.compile.problem import ConsumptionClass, Edge
from lcm_opt.domain import Status


@dataclass(frozen=True)
class SubProblem:
    classes: tuple[int, ...]  # class indices, ascending
    # class -> members still to allocate (pinned/blocked removed); a dict or the columns
    # of one (lazy_maps.ClassMap), as `weight` and `product`
    count: Mapping[int, int]
    edges: Mapping[int, tuple[Edge, ...]]  # class -> eligible edges (exact + downgrade)
    licences: tuple[int, ...]  # licence indices, ascending
    capacity: dict[int, int | None]  # licence -> capacity left after pins; None = unlimited
    weight: Mapping[int, int]  # class -> first-criterion value of one covered member (>= 0)
    max_score: int  # upper bound of any edge score (A_max)
    hint_units: dict[tuple[int, int], int] = field(default_factory=dict)  # greedy (class, licence)
    hint_covered: dict[tuple[int, str], int] = field(default_factory=dict)  # greedy (class, group)
    # Track Deployment caps (L5, A45): (licence, product) -> units left after pins, binding
    # the classes of that product together: sum_{k of product} units[k, licence] <= cap
    caps: dict[tuple[int, int], int] = field(default_factory=dict)
    product: Mapping[int, int] = field(default_factory=dict)  # class -> product (for `caps`)
    # `edges` as columns, classes in `classes` order (the same edges), where the caller
    # has them; None: read from `edges`
    columns: EdgeArrays | None = field(default=None, compare=False, repr=False)

    def capped(self) -> dict[tuple[int, int], list[int]]:
        """Each cap that some edge of this component touches -> its classes, ascending."""
        out: dict[tuple[int, int], list[int]] = {}
        if not self.caps:
            return out
        for k in self.classes:
            for e in self.edges[k]:
                key = (e.licence, self.product.get(k, -1))
                if key in self.caps:
                    out.setdefault(key, []).append(k)
        return out

    @cached_property
    def unit_demand(self) -> bool:
        """Every edge asks 1 unit: coverage is a flow (totally unimodular). Computed once:
        a component can have hundreds of thousands of edges."""
        if self.columns is not None:
            return bool((self.columns.units == 1).all())
        return all(e.units == 1 for edges in self.edges.values() for e in edges)


class ClassEdges(Mapping[int, tuple[Edge, ...]]):
    """`{k: classes[k].edges for k in keys}`, each class's edges joined only when asked
    for: a flow solved from the columns never asks. Pickled as that dict."""

    def __init__(self, classes: Sequence[ConsumptionClass], keys: Sequence[int]) -> None:
        self._classes = classes
        self._keys = keys
        self._set: frozenset[int] | None = None  # made when first asked: flows never ask

    @property
    def _known(self) -> frozenset[int]:
        if self._set is None:
            self._set = frozenset(self._keys)
        return self._set

    def __getitem__(self, k: int) -> tuple[Edge, ...]:
        if k not in self._known:
            raise KeyError(k)
        return self._classes[k].edges

    def __contains__(self, k: object) -> bool:
        return k in self._known

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __reduce__(self) -> tuple[type, tuple[dict[int, tuple[Edge, ...]]]]:
        return dict, (dict(self.items()),)


@dataclass
class ComponentSolution:
    # (class, licence) -> licence units granted; a dict or its columns (lazy_maps.PairMap)
    units: Mapping[tuple[int, int], int]
    # (class, group) -> members covered through that group; a dict or its columns
    covered: Mapping[tuple[int, str], int]
    status: Status  # OPTIMAL or FEASIBLE
    value: int  # first criterion: sum of weight * covered
    bound: int  # proven upper bound of `value`
    affinity: int  # sum of score * units
    # Per lexicographic stage: whether it is proven, and the affinity stage's upper bound
    # (given this `value`). The affinity stage is never proven while the first is not.
    primary_optimal: bool = True
    affinity_optimal: bool = True
    affinity_bound: int | None = None  # None: equal to `affinity` (proven)
    solver: str = "flow"  # flow, highs or cpsat: which backend produced this solution
    # min-cost flow from a SubProblem with columns: the flow on each of its edges, in the
    # columns' order (expand.py expands from it without a lookup per edge)
    flows: npt.NDArray[np.int64] | None = field(default=None, compare=False, repr=False)
