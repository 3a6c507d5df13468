"""Dictionaries of a component kept as the columns they are made from, the dict built only
when something reads it by key: the flow path reads the columns, the multi-unit backends
(CP-SAT, HiGHS) and the cluster read the dict. Pickled as that dict, so what a cluster
worker receives is what a dict would have been."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]


class ClassMap(Mapping[int, int]):
    """`{k: data[i] for i, k in enumerate(classes)}`, iterated in the order of `keys` (the
    same classes, perhaps in another order). `data` is aligned with `classes`."""

    def __init__(self, classes: tuple[int, ...], data: Ints, keys: tuple[int, ...]) -> None:
        self.classes = classes
        self.data = data
        self._keys = keys
        self._dict: dict[int, int] | None = None

    def column(self, classes: Sequence[int]) -> Ints | None:
        """The values aligned with `classes`, when they are this map's `classes`."""
        return self.data if classes is self.classes or classes == self.classes else None

    def as_dict(self) -> dict[int, int]:
        if self._dict is None:
            made = dict(zip(self.classes, self.data.tolist(), strict=True))
            if self._keys != self.classes:
                made = {k: made[k] for k in self._keys}
            self._dict = made
        return self._dict

    def __getitem__(self, k: int) -> int:
        return self.as_dict()[k]

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, k: object) -> bool:
        return k in self.as_dict()

    def __reduce__(self) -> tuple[type, tuple[dict[int, int]]]:
        return dict, (self.as_dict(),)

    def __repr__(self) -> str:
        return repr(self.as_dict())


class PairMap(Mapping[tuple[Any, Any], int]):
    """`{(first[i], second[i]): data[i]}` in row order, every pair once: a flow solution's
    units per (class, licence) or members covered per (class, group)."""

    def __init__(self, first: Ints, second: Ints, data: Ints, names: Sequence[str] | None) -> None:
        self.first = first
        self.second = second  # indices into `names` where it is given
        self.data = data
        self.names = names
        self._dict: dict[tuple[Any, Any], int] | None = None

    def as_dict(self) -> dict[tuple[Any, Any], int]:
        if self._dict is None:
            second: list[Any] = self.second.tolist()
            if self.names is not None:
                names = self.names
                second = [names[g] for g in second]
            keys = zip(self.first.tolist(), second, strict=True)
            self._dict = dict(zip(keys, self.data.tolist(), strict=True))
        return self._dict

    def __getitem__(self, key: tuple[Any, Any]) -> int:
        return self.as_dict()[key]

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: object) -> bool:
        return key in self.as_dict()

    def __reduce__(self) -> tuple[type, tuple[Ints, Ints, Ints, Sequence[str] | None]]:
        return PairMap, (self.first, self.second, self.data, self.names)

    def __repr__(self) -> str:
        return repr(self.as_dict())


def column(mapping: Mapping[int, int], classes: Sequence[int]) -> Ints | None:
    """`mapping`'s values for `classes` as an int64 column; None where some value is not a
    machine integer."""
    if isinstance(mapping, ClassMap):
        made = mapping.column(classes)
        if made is not None:
            return made
    try:
        return np.fromiter(map(mapping.__getitem__, classes), np.int64, len(classes))
    except OverflowError:
        return None
