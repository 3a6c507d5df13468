"""Class keys: what makes two consumptions one class (build.py), one consumption at a time
(`class_key`) or many at once, read field by field and numbered (`class_keys`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Protocol

import numpy as np

from lcm_opt.compile.pairs import Ints, Mask
from lcm_opt.compile.values import Codes, Fields, coded, combinations, rule_values
from lcm_opt.domain import Consumption
from lcm_opt.rules.language import RuleSet, consumption_raw
from lcm_opt.rules.language.types import Values

Size = tuple[int | None, int | None]
ClassKey = tuple[str, Values, Size | None, tuple[object, ...]]
"""(product, rule values, cores and processors where units depend on them, the values on
the dimensions Allocation Rules read)."""


class KeyOf(Protocol):
    def __call__(self, c: Consumption, raw: Mapping[str, object] | None = None) -> ClassKey:
        """`raw`: `consumption_raw(c)`, where the caller has it already."""
        ...


def class_key(rules: RuleSet, sized: Callable[[str], bool], ruled: Sequence[str] = ()) -> KeyOf:
    """build.py's class key of one consumption: (product, rule values, size, and its values
    on the `ruled` dimensions). Members of a class must be alike in everything eligibility
    reads: Allocation Rules read dimensions no rule line may name, so those are in the key."""

    values = rules.consumption_values
    ruled_of = attrgetter(*ruled) if len(ruled) > 1 else None

    def key_of(c: Consumption, raw: Mapping[str, object] | None = None) -> ClassKey:
        cv = values(consumption_raw(c) if raw is None else raw)
        size = (c.cores, c.processors) if sized(c.product) else None
        if ruled_of is not None:
            return (c.product, cv, size, ruled_of(c))
        return (c.product, cv, size, (getattr(c, ruled[0]),) if ruled else ())

    return key_of


@dataclass(frozen=True)
class Keys:
    """The class keys of many consumptions: `keys[i]` is consumption i's; `first[i]` the
    first consumption with a key equal to it, `value_first[i]` the first with equal rule
    values; consumption i's rule values are `distinct_values[value_ids[i]]`. Sizes and
    the values on ruled dimensions are read from their columns when a key is asked for."""

    products: list[str]
    value_ids: Ints
    distinct_values: Sequence[Values]
    value_first: Ints
    first: Ints
    sized: Mask  # per consumption, whether its size is in its key
    sizes: tuple[list[int | None], list[int | None]]  # cores and processors, where sized
    ruled: list[list[object]]  # per ruled dimension, its value in each consumption

    def __len__(self) -> int:
        return len(self.products)

    def __getitem__(self, i: int) -> ClassKey:
        values = self.distinct_values[int(self.value_ids[i])]
        size = (self.sizes[0][i], self.sizes[1][i]) if self.sized[i] else None
        return (self.products[i], values, size, tuple(column[i] for column in self.ruled))


class KeysOf(Protocol):
    def __call__(self, n: int, fields: Fields, codes: Codes | None = None) -> Keys:
        """How many consumptions, their fields and (where known) their codes -> their
        class keys (`class_keys`)."""
        ...


def model_fields(cs: Sequence[Consumption]) -> Fields:
    """The fields of models, read attribute by attribute."""
    return lambda field: list(map(attrgetter(field), cs))


def class_keys(rules: RuleSet, sized: Callable[[str], bool], ruled: Sequence[str] = ()) -> KeysOf:
    """`class_key` of many consumptions at once: `keys_of(len(cs), model_fields(cs))[i]`
    equals `class_key(rules, sized, ruled)(cs[i])`. Keys are numbered by their parts: the
    rule values (the costly part) once per distinct combination of the fields the rules
    read (values.py), then the combinations of product, values' number, size and ruled
    values, all from the fields' codes (`codes`, else found from `fields`)."""

    def keys_of(n: int, fields: Fields, codes: Codes | None = None) -> Keys:
        codes = codes or coded(fields)
        value_ids, distinct, value_firsts = rule_values(rules, n, codes)
        names, product = codes("product")
        parts = [(product, len(names)), (value_ids, len(distinct))]
        flags = np.fromiter(map(sized, names), dtype=bool, count=len(names))
        on = flags[product]
        sizes: tuple[list[int | None], list[int | None]] = ([], [])
        if on.any():
            sizes = (fields("cores"), fields("processors"))
            for field in ("cores", "processors"):  # 0 where the size is not in the key
                values, at = codes(field)
                parts.append((np.where(on, at + 1, 0), len(values) + 1))
        for field in ruled:
            values, at = codes(field)
            parts.append((at, len(values)))
        number, firsts = combinations(parts, n)
        value_first = value_firsts[value_ids]
        columns = [fields(field) for field in ruled]
        products = fields("product")
        return Keys(products, value_ids, distinct, value_first, firsts[number], on, sizes, columns)

    return keys_of
