"""The baseline of a what-if read as tables (whatif_summary.py), from the whole scenario's
solve: its blocks found from the products alone, a block's rows read only when a variant
replaces it, and what the tables need of the grant and deficit records."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Scenario, natural_key
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.engines.base import Allocation
from lcm_opt.services.whatif_blocks import Block, block_groups, global_digest, make_block

__all__ = ["Estate", "Short", "covered_count", "deficit_rows", "estate_of", "one_block"]


@dataclass
class Estate:
    """The baseline's blocks by label, each built (rows read) only when asked for."""

    scenario: Scenario
    groups: list[tuple[str, frozenset[str]]]
    digest: str
    built: dict[int, Block] = field(default_factory=dict)

    @cached_property
    def block_of(self) -> dict[str, int]:
        return {p: i for i, (_, products) in enumerate(self.groups) for p in products}

    def block(self, i: int) -> Block:
        if i not in self.built:
            label, products = self.groups[i]
            rows = np.flatnonzero(np.isin(self._row_product, self._indices(products)))
            self.built[i] = one_block(self.scenario, label, products, rows.tolist(), self.digest)
        return self.built[i]

    def __len__(self) -> int:
        return len(self.groups)

    def _indices(self, products: frozenset[str]) -> list[int]:
        index = self._product_index
        return [index[p] for p in products if p in index]

    @cached_property
    def _product_index(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.scenario.products)}

    @cached_property
    def _row_product(self) -> np.ndarray:
        """Per consumption row, its product's position in the catalog."""
        index, rows = self._product_index, self.scenario.consumptions
        if isinstance(rows, ConsumptionTable):
            of = np.array([index[p.product] for p in rows.prototypes], dtype=np.int64)
            return of[np.frombuffer(rows.row_prototype, dtype=np.uintc)]
        return np.array([index[c.product] for c in rows], dtype=np.int64)


def estate_of(scenario: Scenario) -> Estate:
    """The groups that hold a licence or a consumption (partition()'s blocks)."""
    rows = scenario.consumptions
    prototypes = rows.prototypes if isinstance(rows, ConsumptionTable) else rows
    used = {c.product for c in prototypes} | {lic.product for lic in scenario.licences}
    kept = [(label, group) for label, group in block_groups(scenario) if group & used]
    return Estate(scenario, kept, global_digest(scenario))


def one_block(
    scenario: Scenario, label: str, products: frozenset[str], rows: list[int], digest: str
) -> Block:
    """The block partition(scenario) makes of one of its groups (`products`, labelled
    `label`; `digest`: the scenario's global_digest), given the positions of the group's
    consumptions (`rows`, ascending): no other consumption is visited."""
    consumptions = [scenario.consumptions[i] for i in rows]
    ids = {c.id for c in consumptions}
    licences = [lic for lic in scenario.licences if lic.product in products]
    own = {lic.id for lic in licences}
    sections: dict[str, list[Any]] = {
        "licences": licences,
        "consumptions": consumptions,
        "direct_assignments": [p for p in scenario.direct_assignments if p.consumption in ids],
        "reservations": [r for r in scenario.reservations if r.licence in own],
        "tracked_deployments": [t for t in scenario.tracked_deployments if t.licence in own],
        "rows": rows,
    }
    return make_block(scenario, label, products, sections, digest)


class Short(NamedTuple):
    """A deficit as the totals read it."""

    consumption: str
    product: str
    units: int


def deficit_rows(problem: Problem, allocation: Allocation) -> list[Short]:
    """The deficits' rows as a merged result orders them (natural order of consumption)."""
    columns = problem.class_columns
    products, units = columns.product.tolist(), columns.product_units.tolist()
    ids, product_ids = problem.consumption_ids, problem.product_ids
    classes = allocation.deficit_classes(problem.consumption_class)
    rows = [
        Short(ids[c], product_ids[products[k]], units[k])
        for c, k in zip(allocation.deficit_consumptions(), classes, strict=True)
    ]
    return sorted(rows, key=lambda row: natural_key(row.consumption))


def covered_count(allocation: Allocation) -> int:
    """Consumptions with at least one grant."""
    table = allocation.table()
    if table is not None:
        return int(np.count_nonzero(np.bincount(table[:, 0])))
    return len({g.consumption for g in allocation.grants})
