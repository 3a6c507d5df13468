"""Each class's first member, as the grouping of a table (rows.py) describes it: its
prototype and its raw attributes, read from the table's columns and made only when asked
for, so that grouping makes no model per class."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any, Final, overload

from lcm_opt.domain import Consumption
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.rules.language import consumption_raw

_RAW_KEYS: Final = tuple(consumption_raw(Consumption(id="-", product="-")))
"""The keys of a raw mapping, in the order `consumption_raw` gives them."""


class Firsts(Sequence[Consumption]):
    """Each class's first member's prototype, from the table when asked for; `values`
    reads a field over every class from the table's columns, making none."""

    def __init__(self, table: ConsumptionTable, protos: list[int]) -> None:
        self._table, self._protos = table, protos

    def values(self, field: str) -> list[Any]:
        return list(map(self._table.prototype_values(field).__getitem__, self._protos))

    def __len__(self) -> int:
        return len(self._protos)

    @overload
    def __getitem__(self, k: int) -> Consumption: ...

    @overload
    def __getitem__(self, k: slice) -> list[Consumption]: ...

    def __getitem__(self, k: int | slice) -> Consumption | list[Consumption]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return self._table.prototypes[self._protos[k]]


class FirstRaws(Sequence[dict[str, object]]):
    """Each class's first member's attributes, made when asked for from its prototype's
    fields (whose asset and user are None), with the row's own asset and user where the
    table has them; read from the table's columns, without making the prototypes."""

    def __init__(self, table: ConsumptionTable, protos: list[int], rows: list[int]) -> None:
        self._table, self._protos, self._rows = table, protos, rows

    def __len__(self) -> int:
        return len(self._protos)

    @overload
    def __getitem__(self, k: int) -> dict[str, object]: ...

    @overload
    def __getitem__(self, k: slice) -> list[dict[str, object]]: ...

    def __getitem__(self, k: int | slice) -> dict[str, object] | list[dict[str, object]]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        table, row = self._table, self._rows[k]
        fields = table.prototype_fields(self._protos[k])
        raw = {key: fields[key] for key in _RAW_KEYS}  # as consumption_raw reads them
        raw["virtual"] = int(fields["virtual"])
        if table.assets is not None:
            raw["asset"] = table.assets[row]
        if table.users is not None:
            raw["user"] = table.users[row]
        return raw

    def __iter__(self) -> Iterator[dict[str, object]]:
        columns = [self._column(key) for key in _RAW_KEYS]
        return (dict(zip(_RAW_KEYS, row, strict=True)) for row in zip(*columns, strict=True))

    def _column(self, key: str) -> Sequence[object]:
        """Raw key `key` of each class's first member (a raw key is a field's name)."""
        table = self._table
        own = {"asset": table.assets, "user": table.users}
        if key in own:
            column = own[key]
            if column is None:
                return list(repeat(None, len(self)))
            return list(map(column.__getitem__, self._rows))
        values = list(map(table.prototype_values(key).__getitem__, self._protos))
        return list(map(int, values)) if key == "virtual" else values
