"""Flat problem data every engine consumes: consumption classes with their eligible
edges, licence capacities, pins and the product processing order. Built by build.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from lcm_opt.compile.classes import ClassColumns, LazyClasses, columns_of
from lcm_opt.compile.edge_arrays import EdgeArrays, from_classes
from lcm_opt.compile.lcm import Pools
from lcm_opt.domain import Licence, Product, Scenario
from lcm_opt.rules.eligibility import Reach

if TYPE_CHECKING:
    from lcm_opt.compile.evaluator import Evaluator


@dataclass(frozen=True, slots=True)
class Edge:
    """One eligible (class, licence) pair."""

    licence: int  # index into Problem.licence_ids (natural order, so index order = A3 order)
    score: int
    units: int  # licence units one consumption of the class draws (R28, A19)
    group: str  # A32 split group
    downgrade: bool  # R34: the licence is for a newer product


@dataclass(frozen=True, slots=True)
class ConsumptionClass:
    """Consumptions of one product that the rules cannot tell apart."""

    product: int
    members: tuple[int, ...]  # consumption indices, ascending = natural id order
    product_units: int  # demand of one member in the product's metric units (A10)
    exact: tuple[Edge, ...]  # tier 1, sorted by (score desc, licence asc)
    downgrade: tuple[Edge, ...]  # tier 2, same order
    detail: str | None  # why there is no edge at all (no_eligible_licence detail)
    values: tuple[object, ...]  # rule values, for scoring pins
    raw: dict[str, object]  # attributes of the first member

    @property
    def edges(self) -> tuple[Edge, ...]:
        return self.exact + self.downgrade


@dataclass(frozen=True, slots=True)
class Pin:
    licence: int
    consumption: int


@dataclass(frozen=True)
class Problem:
    scenario: Scenario
    evaluator: Evaluator
    product_ids: tuple[str, ...]  # natural order
    products: tuple[Product, ...]
    product_order: tuple[int, ...]  # greedy order: chains newest first (A11)
    licence_ids: tuple[str, ...]  # natural order
    licences: tuple[Licence, ...]
    licence_product: tuple[int, ...]
    capacity: tuple[int | None, ...]  # None = unlimited; 0 for non-candidates
    consumption_ids: tuple[str, ...]  # natural order, after the A18 merge, free ones excluded
    consumption_class: tuple[int, ...]
    classes: Sequence[ConsumptionClass]  # a tuple, or classes.py's LazyClasses (equal to one)
    pins: tuple[Pin, ...]  # (licence, consumption) ascending (A3)
    free_consumptions: tuple[str, ...]
    merged: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    lcm: Pools = field(default_factory=Pools)  # reservations (A45) and caps (L5), lcm.py

    @cached_property
    def edge_arrays(self) -> EdgeArrays:
        """Every class's edges as columns (edge_arrays.py); compile sets it from the arrays
        it evaluated, any other Problem reads it from its classes once."""
        return from_classes(self.classes)

    @cached_property
    def class_columns(self) -> ClassColumns:
        """Every class's product, demand and members as columns (classes.py): compile's
        own where its classes are made lazily, else read from the classes once."""
        if isinstance(self.classes, LazyClasses):
            return self.classes.columns
        return columns_of(self.classes)

    def candidate(self, licence: int) -> bool:
        return self.capacity[licence] != 0

    def class_of(self, consumption: int) -> ConsumptionClass:
        return self.classes[self.consumption_class[consumption]]

    def check(self, consumption: int, licence: int) -> PairCheck:
        cls = self.class_of(consumption)
        return self.evaluator.check(cls.raw, cls.values, licence, self.product_ids[cls.product])

    def pair_check(self, consumption: int, licence: int) -> PairCheck:
        """`check`, read from the class's edge where the pair is an eligible edge: an edge
        exists only where the licence reaches the product, its metric is compatible, it may
        draw for the product and the requirements pass, with the edge's units. The score is
        the rule set's even so: rewritten problems (stability.py, purchase_relax.py) carry
        edge scores of their own. Other pairs go through the rules."""
        cls = self.class_of(consumption)
        for tier, how in ((cls.exact, Reach.EXACT), (cls.downgrade, Reach.DOWNGRADE)):
            for edge in tier:
                if edge.licence == licence:
                    score = self.evaluator.score(cls.values, licence)
                    return PairCheck(how, True, edge.units, True, score)
        return self.check(consumption, licence)


@dataclass(frozen=True, slots=True)
class PairCheck:
    """Everything a pin needs to know about one (consumption, licence) pair."""

    reach: Reach | None
    compatible: bool  # A9/A44: the licence's metric may cover the product
    units: int | None
    requirements_ok: bool
    score: int
    fenced: bool = False  # L4: the licence is tracked to other products only
