"""Purchasable offers: what the analyst could buy to close a gap (`recommend`).

An offer describes a licence that does not exist yet: product, type (metric), scope and
downgrade rights exactly as a licence's, a price per licence unit, the units one pack
holds and how many packs may be bought. Buying n packs adds a licence with id = the
offer's id and seats = n x pack_size."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, model_validator

from lcm_opt.domain.base import Cores, Frozen, Id, Price
from lcm_opt.domain.catalog import DowngradeRule, LicenceType
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.org import Dimension

MAX_PACKS = 10**6
"""Packs of one offer: with pack_size and price bounds, a plan's cost fits the solvers."""
MAX_PACK_SIZE = 10**6

Packs = Annotated[int, Strict(), Field(ge=0, le=MAX_PACKS)]
PackSize = Annotated[int, Strict(), Field(ge=1, le=MAX_PACK_SIZE)]


class Offer(Frozen):
    id: Id = Field(description="the id the bought licence takes; unique among licences")
    product: Id
    type: LicenceType = Field(description="metric name or type code, as a licence's")
    downgrade: DowngradeRule | None = Field(None, description="None = the product's (R32)")
    allocation_rule: tuple[Dimension, ...] | None = None
    location: Id | None = None
    department: Id | None = None
    cost_centre: Id | None = None
    custodian: Id | None = None
    cores: Cores | None = None
    contract: Id | None = None
    unit_price: Price = Field(description="price of one licence unit; a pack costs pack_size x")
    pack_size: PackSize = Field(1, description="licence units per pack")
    min_packs: Packs = Field(0, description="if bought at all, at least this many packs")
    max_packs: Packs | None = Field(None, description="at most this many packs; None = no cap")

    @model_validator(mode="after")
    def _packs(self) -> Offer:
        if self.max_packs is not None and self.min_packs > self.max_packs:
            raise ValueError(f"min_packs ({self.min_packs}) exceeds max_packs ({self.max_packs})")
        return self

    def licence(self, packs: int | None) -> Licence:
        """The licence `packs` packs of this offer add; None: unlimited (a candidate)."""
        size = None if packs is None else packs * self.pack_size
        return Licence(
            id=self.id,
            product=self.product,
            type=self.type,
            seats=size,
            unlimited=size is None,
            downgrade=self.downgrade,
            allocation_rule=self.allocation_rule,
            location=self.location,
            department=self.department,
            cost_centre=self.cost_centre,
            custodian=self.custodian,
            cores=self.cores,
            contract=self.contract,
            unit_cost=self.unit_price,
        )

    def pack_cost(self, packs: int) -> float:
        return packs * self.pack_size * self.unit_price
