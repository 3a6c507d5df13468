"""Consumption classes as columns, with the `ConsumptionClass` objects made only when asked.

The optimiser's default path (components, flow networks, grant expansion, deficits) reads
a class's product, demand and members from `ClassColumns` and its edges from `EdgeArrays`;
the consumers that walk classes one by one (the greedy, the checker, explain, what-if)
read `Problem.classes`, a `LazyClasses`: one class asked for by index is made from the
columns alone, and iterating (or slicing) makes every class at once, its edges shared as
compile made them eagerly before (edges.py). Either way each class equals, field by
field, the one the eager path builds (tests/test_lazy_classes.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise
from typing import TYPE_CHECKING, overload

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.edge_arrays import EdgeArrays

if TYPE_CHECKING:
    from lcm_opt.compile.problem import ConsumptionClass, Edge

Ints = npt.NDArray[np.int64]

_ONE_BY_ONE = 4
"""Classes are made one by one until a 1/_ONE_BY_ONE share of them has been asked for;
then all at once (sharing their edges), which costs less per class."""


@dataclass(frozen=True, eq=False)
class ClassColumns:
    """Per class k: `product[k]`, `product_units[k]` (A10), and its members, ascending,
    `members[member_start[k]:member_start[k + 1]]`."""

    product: Ints
    product_units: Ints
    member_start: Ints
    members: Ints

    def __len__(self) -> int:
        return len(self.product)

    def member_lists(self) -> list[list[int]]:
        """Each class's members as a list, class by class."""
        every = self.members.tolist()
        bounds = self.member_start.tolist()
        return [every[a:b] for a, b in pairwise(bounds)]

    def sizes(self) -> Ints:
        return np.diff(self.member_start)

    def by_member(self, values: Ints, consumptions: int) -> Ints:
        """Per consumption (index below `consumptions`), `values[k]` of the class k that
        has it as a member, -1 where none has: per-class values laid out by consumption
        with array operations, not read through `Problem.consumption_class`."""
        out = np.full(consumptions, -1, dtype=np.int64)
        out[self.members] = np.repeat(values, self.sizes())
        return out


def columns_of(classes: Sequence[ConsumptionClass]) -> ClassColumns:
    """Read from the class objects (a Problem that compile did not make)."""
    n = len(classes)
    sizes = np.fromiter((len(c.members) for c in classes), np.int64, n)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=start[1:])
    members = np.fromiter(chain.from_iterable(c.members for c in classes), np.int64, int(start[-1]))
    return ClassColumns(
        product=np.fromiter((c.product for c in classes), np.int64, n),
        product_units=np.fromiter((c.product_units for c in classes), np.int64, n),
        member_start=start,
        members=members,
    )


@dataclass(frozen=True, eq=False)
class ClassParts:
    """What a class object holds besides its columns: per class, its rule values, its
    first member's attributes and why it has no edge; the split group of each licence."""

    values: Sequence[tuple[object, ...]]
    raws: Sequence[dict[str, object]]
    details: Sequence[str | None]
    licence_groups: Sequence[str]


class LazyClasses(Sequence["ConsumptionClass"]):
    """`Problem.classes` made from columns: equal to the tuple of eagerly built classes."""

    def __init__(self, columns: ClassColumns, edges: EdgeArrays, parts: ClassParts) -> None:
        self._columns = columns
        self._edges = edges
        self._parts = parts
        self._made: dict[int, ConsumptionClass] = {}
        self._shared: dict[tuple[int, int, int, bool], Edge] = {}
        self._all: tuple[ConsumptionClass, ...] | None = None

    @property
    def columns(self) -> ClassColumns:
        return self._columns

    def __len__(self) -> int:
        return len(self._columns)

    @overload
    def __getitem__(self, k: int) -> ConsumptionClass: ...

    @overload
    def __getitem__(self, k: slice) -> tuple[ConsumptionClass, ...]: ...

    def __getitem__(self, k: int | slice) -> ConsumptionClass | tuple[ConsumptionClass, ...]:
        if isinstance(k, slice):
            return self.whole()[k]
        if self._all is not None:
            return self._all[k]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError("class index out of range")
        made = self._made.get(k)
        if made is None:
            if len(self._made) * _ONE_BY_ONE >= len(self):  # most are asked for: all at once
                return self.whole()[k]
            made = self._made[k] = self._one(k)
        return made

    def __iter__(self) -> Iterator[ConsumptionClass]:
        return iter(self.whole())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return self.whole() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyClasses({len(self)} classes)"

    def __reduce__(self) -> tuple[type, tuple[tuple[ConsumptionClass, ...]]]:
        return tuple, (self.whole(),)

    def whole(self) -> tuple[ConsumptionClass, ...]:
        """Every class, made once, edges shared between classes as the eager path does."""
        if self._all is None:
            self._all = self._every()
            self._made.clear()
            self._shared.clear()
        return self._all

    def _one(self, k: int) -> ConsumptionClass:
        from lcm_opt.compile.problem import ConsumptionClass, Edge

        arrays, cols, parts = self._edges, self._columns, self._parts
        groups = parts.licence_groups
        a, b = arrays.start[k : k + 2].tolist()
        down = arrays.downgrade[a:b].tolist()
        shared = self._shared  # Edge objects by their fields: classes share most edges
        edges = []
        for key in zip(
            arrays.licence[a:b].tolist(),
            arrays.score[a:b].tolist(),
            arrays.units[a:b].tolist(),
            down,
            strict=True,
        ):
            edge = shared.get(key)
            if edge is None:
                li, sc, u, dg = key
                edge = shared[key] = Edge(li, sc, u, groups[li], dg)
            edges.append(edge)
        exact = down.count(False)
        m, n = cols.member_start[k : k + 2].tolist()
        return ConsumptionClass(
            product=int(cols.product[k]),
            members=tuple(cols.members[m:n].tolist()),
            product_units=int(cols.product_units[k]),
            exact=tuple(edges[:exact]),
            downgrade=tuple(edges[exact:]),
            detail=parts.details[k],
            values=parts.values[k],
            raw=parts.raws[k],
        )

    def _every(self) -> tuple[ConsumptionClass, ...]:
        from lcm_opt.compile import edges as shared
        from lcm_opt.compile.problem import ConsumptionClass

        arrays = self._edges
        objects = tuple(
            shared.shared_edge_objects(
                self._parts.licence_groups,
                arrays.licence.astype(np.int64),
                arrays.score,
                arrays.units,
                arrays.downgrade,
            )
        )
        starts = arrays.start.tolist()
        counts = np.bincount(arrays.owner[~arrays.downgrade], minlength=len(self)).tolist()
        members = self._columns.member_lists()
        parts, cols = self._parts, self._columns
        return tuple(
            ConsumptionClass(
                product=product,
                members=tuple(members[k]),
                product_units=units,
                exact=objects[starts[k] : starts[k] + exact],
                downgrade=objects[starts[k] + exact : starts[k + 1]],
                detail=detail,
                values=values,
                raw=raw,
            )
            for k, (product, units, exact, detail, values, raw) in enumerate(
                zip(
                    cols.product.tolist(),
                    cols.product_units.tolist(),
                    counts,
                    parts.details,
                    parts.values,
                    parts.raws,
                    strict=True,
                )
            )
        )
