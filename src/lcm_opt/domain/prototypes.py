"""A table's prototypes held as validated columns (domain/table_columns.py) and made into
models only when asked for.

A large estate has as many distinct attribute sets as it has consumption classes (hundreds
of thousands), and the compiler reads them a field at a time: building one Consumption per
attribute set costs more than everything it reads from them. `Prototypes` keeps, per field,
the column of validated values and each prototype's index into it; `values(field)` reads a
field over every prototype from those, and a prototype is assembled (exactly as
`table_columns.assemble` builds it: values, fields set) the first time it is asked for.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table_columns import CONSUMPTIONS, Column, assemble

__all__ = ["Prototypes"]

Columns = Mapping[str, tuple[Column, Sequence[int]]]
"""Field -> its validated column and, per prototype, the index of its value there."""
_ONE_BY_ONE = 32
"""A model made alone costs about 13 times its share of making them all at once: past a
thirty-second of them made alone (0.4 of making all), the rest are made at once."""


class Prototypes(Sequence[Consumption]):
    """The models `assemble(columns)` gives, made when asked for: one at a time, each kept,
    until a thirty-second of them have been asked for one by one (or any of them is asked
    for by iteration or a slice), then all at once. Equal to the tuple of those models."""

    __slots__ = ("_columns", "_count", "_made", "_some")

    def __init__(self, columns: Columns, count: int) -> None:
        if any(len(codes) != count for _, codes in columns.values()):
            raise ValueError(f"every column needs {count} indices")
        self._columns = dict(columns)
        self._count = count
        self._made: tuple[Consumption, ...] | None = None
        self._some: dict[int, Consumption] = {}

    def values(self, field: str) -> list[Any]:
        """Field `field` of each prototype, without making any (a field no column gives
        holds its default in every prototype)."""
        found = self._columns.get(field)
        if found is None:
            if field not in CONSUMPTIONS.defaults:
                raise ValueError(f"Consumption has no field {field!r}")
            return [CONSUMPTIONS.defaults[field]] * self._count
        column, codes = found
        return list(map(column.values.__getitem__, codes))

    def codes(self, field: str) -> tuple[list[Any], Sequence[int]]:
        """Field `field`'s validated values and each prototype's index among them (equal
        values may sit at several indices), without making any."""
        found = self._columns.get(field)
        if found is None:
            if field not in CONSUMPTIONS.defaults:
                raise ValueError(f"Consumption has no field {field!r}")
            return [CONSUMPTIONS.defaults[field]], array("i", bytes(4 * self._count))
        column, codes = found
        return column.values, codes

    def fields(self, index: int) -> dict[str, Any]:
        """Prototype `index`'s fields (its `__dict__`), without making it."""
        index = self._position(index)
        if self._made is not None or index in self._some:
            return dict(self[index].__dict__)
        given = {
            name: column.values[codes[index]] for name, (column, codes) in self._columns.items()
        }
        return {name: given.get(name, default) for name, default in CONSUMPTIONS.defaults.items()}

    @property
    def made(self) -> int:
        """How many prototypes have been made into models so far."""
        return self._count if self._made is not None else len(self._some)

    def all(self) -> tuple[Consumption, ...]:
        """Every prototype, made at once (those made one by one kept as they are)."""
        if self._made is None:
            made = assemble(self._columns) if self._count else []
            for index, model in self._some.items():
                made[index] = model
            self._made, self._some = tuple(made), {}
        return self._made

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Consumption: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Consumption, ...]: ...

    def __getitem__(self, index: int | slice) -> Consumption | tuple[Consumption, ...]:
        if self._made is not None or isinstance(index, slice):
            return self.all()[index]
        index = self._position(index)
        model = self._some.get(index)
        if model is None:
            if _ONE_BY_ONE * len(self._some) >= self._count:
                return self.all()[index]
            one = {name: _cut(*found, index) for name, found in self._columns.items()}
            model = self._some[index] = assemble(one)[0]
        return model

    def _position(self, index: int) -> int:
        """`index` as a position from the start (negative ones count from the end)."""
        if not -self._count <= index < self._count:
            raise IndexError("prototype index out of range")
        return index % self._count

    def __iter__(self) -> Iterator[Consumption]:
        return iter(self.all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Prototypes):
            return self is other or self.all() == other.all()
        if isinstance(other, tuple):
            return self.all() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Prototypes({self._count})"


def _cut(column: Column, codes: Sequence[int], index: int) -> tuple[Column, list[int]]:
    """A column cut to prototype `index`'s value: what assembling that prototype alone
    needs (assembling reads every value of the columns it is given)."""
    code = codes[index]
    return Column(column.name, [column.values[code]], [column.given[code]]), [0]
