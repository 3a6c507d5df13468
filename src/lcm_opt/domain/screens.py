"""Screens for the whole-scenario rules (domain/checks.py): whether any row can break a
reference rule, each distinct value checked once, so that the rows are visited one by one
only when there is a problem to locate."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lcm_opt.domain.licences import Licence
    from lcm_opt.domain.offers import Offer

Declared = list[tuple[str, str, Mapping[str, str | None]]]
"""(field, tree name, tree) of the org trees that are declared."""


def any_unknown(
    values: Callable[[str], Collection[object]],
    products: Collection[str],
    declared: Declared,
    contracts: Collection[str] | None = None,
) -> bool:
    """Whether a row names an unknown product (`contracts`: or contract) or an undeclared
    org value; `values(field)`: every value the field takes over the rows (once or a few
    times each). Each distinct value is checked once (a few thousand among hundreds of
    thousands of rows), so that rows are visited one by one only to locate a problem."""
    if any(product not in products for product in values("product")):
        return True
    if contracts is not None:
        named = values("contract")
        if any(contract is not None and contract not in contracts for contract in named):
            return True
    for field, _, tree in declared:
        if any(isinstance(value, str) and value not in tree for value in values(field)):
            return True
    return False


def distinct_values(rows: Sequence[Licence | Offer]) -> Callable[[str], Collection[object]]:
    """`values` for any_unknown: a field's distinct values over `rows`."""
    return lambda field: {row.__dict__.get(field) for row in rows}


def all_known(
    pairs: Collection[tuple[str, str]], licences: Collection[str], consumptions: Collection[str]
) -> bool:
    """Whether every pair names a known licence and a known consumption."""
    return all(licence in licences for licence in {licence for licence, _ in pairs}) and all(
        consumption in consumptions for consumption in {consumption for _, consumption in pairs}
    )
