"""Rule values of many consumptions, numbered: each consumption's rule values as a number
into the distinct ones, read from the codes of the fields the rules read.

An estate repeats few combinations of the fields the rules read over many distinct
attribute sets; the combinations are numbered as packed integers over the fields' codes.
Where the rules' values are the raw values as they are, each distinct combination's values
are kept as the fields' codes (no tuple made); otherwise a raw row (and the rules' value
tuple of it) is made once per distinct combination, and the numbers are those of the
tuples themselves: rules that combine or normalise fields can give different combinations
equal values, and equal values take one number."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.order import first_equal, first_of_equal, unique_inverse
from lcm_opt.compile.pairs import Ints
from lcm_opt.domain.prototypes import Prototypes
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.rules.language import RuleSet
from lcm_opt.rules.language.types import Values
from lcm_opt.rules.language.vector_coded import CodedValues

Fields = Callable[[str], list[Any]]
"""A field's name -> its value in each consumption (a table's `prototype_values`, or
`model_fields` of models)."""
Codes = Callable[[str], tuple[Sequence[Any], Ints]]
"""A field's name -> values, and each consumption's index among them: equal values, one
index."""


def coded(fields: Fields) -> Codes:
    """The codes of fields read value by value: a value's index is that of its first
    occurrence."""
    return lambda field: (values := fields(field), first_of_equal(values))


def table_codes(table: ConsumptionTable) -> Codes:
    """The codes of a table's prototypes: their columns' own, where the table keeps them
    as columns (each value's index that of its first equal one)."""
    prototypes = table.prototypes
    if not isinstance(prototypes, Prototypes):
        return coded(table.prototype_values)

    def codes(field: str) -> tuple[Sequence[Any], Ints]:
        values, indices = prototypes.codes(field)  # distinct inputs: equal values may recur
        return values, first_of_equal(values)[np.asarray(indices, dtype=np.int64)]

    return codes


def raw_rows(n: int, fields: Fields, keys: tuple[str, ...]) -> list[tuple[object, ...]]:
    """`consumption_rows` of the `n` consumptions whose fields are `fields`: a raw key is
    the field's name, and `virtual` an int there."""
    if not keys:
        return [()] * n
    columns = [list(map(int, fields(key))) if key == "virtual" else fields(key) for key in keys]
    return list(zip(*columns, strict=True))


def _raw(key: str, values: Sequence[Any]) -> Sequence[Any]:
    """A field's values as `raw_rows` gives them: `virtual` an int."""
    return list(map(int, values)) if key == "virtual" else values


def rule_values(rules: RuleSet, n: int, codes: Codes) -> tuple[Ints, Sequence[Values], Ints]:
    """(number, distinct, first) of `n` consumptions: `distinct[number[i]]` equals
    `rules.consumption_values` of consumption i's raw mapping, the distinct values in order
    of their first consumption, `first[j]` the first consumption with values j. Where the
    values are the raw values as they are, `distinct` holds them as the fields' codes
    (`CodedValues`): no tuple is made until one is asked for."""
    keys = tuple(sorted(rules.consumption_fields))
    columns = {key: codes(key) for key in keys}
    combination, firsts = combinations([(c, len(v)) for v, c in columns.values()], n)
    m = len(firsts)
    raw_keys = rules.consumption_raw_keys()
    if raw_keys is not None:  # distinct combinations of codes, distinct values
        slots = [(_raw(key, columns[key][0]), columns[key][1][firsts]) for key in raw_keys]
        return combination, CodedValues(slots, m), firsts
    picked = {  # each combination's raw value under each key, from its first consumption
        key: _objects(values)[c[firsts]].tolist() for key, (values, c) in columns.items()
    }

    # validated consumptions hold only str, int and None where the rules read them
    values = rules.consumption_values_of(partial(raw_rows, m, picked.__getitem__), m, alike=True)
    kept, number = unique_inverse(first_of_equal(values), m)
    return number[combination], [values[i] for i in kept.tolist()], firsts[kept]


def _objects(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    """`values` as an array of references (a list's own objects, never converted)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def combinations(columns: list[tuple[Ints, int]], n: int) -> tuple[Ints, Ints]:
    """Per item, the number of its combination of codes (`columns`: each field's codes and
    their bound), numbered in order of first occurrence; and each combination's first
    item. Codes are packed into one integer, renumbered densely where the packing would
    outgrow what `first_equal` sorts packed with row numbers."""
    limit = 1 << (63 - (n - 1).bit_length()) if n else 1
    combination, bound = np.zeros(n, dtype=np.int64), 1
    for codes, size in columns:
        if size > n:
            dense, codes = unique_inverse(codes, size)
            size = len(dense)
        if bound * size > limit:
            dense, combination = unique_inverse(combination, bound)
            bound = len(dense)
        combination = combination * size + codes
        bound *= max(size, 1)
    firsts, number = unique_inverse(first_equal(combination, bound), n)
    return number, firsts
