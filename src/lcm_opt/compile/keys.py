"""Class keys: what makes two consumptions one class (build.py), one consumption at a time
(`class_key`) or many at once, read field by field and numbered (`class_keys`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any, Protocol

from lcm_opt.compile.order import first_equal, first_of_equal
from lcm_opt.compile.pairs import Ints
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
    values."""

    products: list[str]
    values: list[Values]
    sizes: list[Size | None]
    ruled: list[tuple[object, ...]]
    value_first: Ints
    first: Ints

    def __len__(self) -> int:
        return len(self.products)

    def __getitem__(self, i: int) -> ClassKey:
        return (self.products[i], self.values[i], self.sizes[i], self.ruled[i])


Fields = Callable[[str], list[Any]]
"""A field's name -> its value in each consumption (a table's `prototype_values`, or
`model_fields` of models)."""
KeysOf = Callable[[int, Fields], Keys]
"""How many consumptions and their fields -> their class keys (`class_keys`)."""


def model_fields(cs: Sequence[Consumption]) -> Fields:
    """The fields of models, read attribute by attribute."""
    return lambda field: list(map(attrgetter(field), cs))


def raw_rows(n: int, fields: Fields, keys: tuple[str, ...]) -> list[tuple[object, ...]]:
    """`consumption_rows` of the `n` consumptions whose fields are `fields`: a raw key is
    the field's name, and `virtual` an int there."""
    if not keys:
        return [()] * n
    columns = [list(map(int, fields(key))) if key == "virtual" else fields(key) for key in keys]
    return list(zip(*columns, strict=True))


def class_keys(rules: RuleSet, sized: Callable[[str], bool], ruled: Sequence[str] = ()) -> KeysOf:
    """`class_key` of many consumptions at once: `keys_of(len(cs), model_fields(cs))[i]`
    equals `class_key(rules, sized, ruled)(cs[i])`. Keys are numbered by their parts: the
    rule values (the costly part) once, then (product, values' number, size, ruled
    values)."""

    def keys_of(n: int, fields: Fields) -> Keys:
        products: list[str] = fields("product")
        # validated consumptions hold only str, int and None where the rules read them
        values = rules.consumption_values_of(partial(raw_rows, n, fields), n, alike=True)
        flags = {p: sized(p) for p in dict.fromkeys(products)}
        sizes: list[Size | None] = [None] * n
        if any(flags.values()):
            both = zip(fields("cores"), fields("processors"), strict=True)
            flag = map(flags.__getitem__, products)
            sizes = [size if f else None for size, f in zip(both, flag, strict=True)]
        on_ruled: list[tuple[object, ...]] = [()] * n
        if ruled:
            on_ruled = raw_rows(n, fields, tuple(ruled))
        value_first = first_of_equal(values)
        if ruled or any(flags.values()):
            parts = zip(products, value_first.tolist(), sizes, on_ruled, strict=True)
            first = first_of_equal(list(parts))
        else:
            first = _first_of_pairs(first_of_equal(products), value_first)
        return Keys(products, values, sizes, on_ruled, value_first, first)

    return keys_of


def _first_of_pairs(a: Ints, b: Ints) -> Ints:
    """`first_of_equal` of the pairs (a[i], b[i]) of indices below len(a), in arrays."""
    n = len(a)
    return first_equal(a * n + b, n * n)
