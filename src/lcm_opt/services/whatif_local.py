"""A variant solved in proportion to what it changes.

The caller that built the variant (adapters/variants) says which products its changes
touch and which consumptions it removed or added (a `Footprint`). The baseline's blocks
that hold a touched product are the only ones that can differ: their products, with the
touched ones and every product linked to those by a family in the variant, form a region
whose rows are taken from those blocks (consumptions in scenario order, without the
removed ones, then the added ones) and from the variant's licences and pins. The region
is partitioned into blocks exactly as a whole partition of the variant would partition
it, the blocks not already solved are solved, and the merged result is the baseline's
with only the dropped and new blocks' rows replaced (whatif_merge.merge_spliced).

A change is local unless it reads or writes what every block reads: settings, rules, the
org, contracts, or the catalog's prices under the cost objective (the fingerprints'
global digest), or reservations and tracked deployments (solved whole). Then, or when
the region's rows do not hold together (a reference out of the region), the caller solves
the variant by partitioning it whole."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from lcm_opt.domain import Consumption, Result, Scenario, natural_key
from lcm_opt.errors import ScenarioError
from lcm_opt.services.whatif_blocks import Block, global_digest, partition
from lcm_opt.services.whatif_merge import BlockOutcome, MergeIndex, merge_spliced

__all__ = [
    "Baseline", "Blocks", "Footprint", "Local", "Region", "dropped_blocks", "region_of",
    "solve_local",
]  # fmt: skip


@dataclass(frozen=True)
class Footprint:
    """What a variant changed, from the base scenario: `products`, the product of every
    licence, consumption, pin or product row it added, removed or changed (both products
    where a licence's product changed; both ends' products of a pin); `removed`, the ids
    of base consumptions it removed; `added`, the consumptions it added, in order (they end
    the variant's consumptions)."""

    products: frozenset[str]
    removed: frozenset[str] = frozenset()
    added: tuple[Consumption, ...] = ()


@dataclass
class Baseline:
    """The baseline's blocks, outcomes and merged result, as variants reuse them."""

    scenario: Scenario
    blocks: list[Block]
    outcomes: list[BlockOutcome]
    result: Result
    index: MergeIndex
    digest: str = ""
    block_of: dict[str, int] = field(default_factory=dict)  # product id -> block

    def __post_init__(self) -> None:
        self.digest = global_digest(self.scenario)
        self.block_of = {p: i for i, block in enumerate(self.blocks) for p in block.products}

    def block(self, i: int) -> Block:
        return self.blocks[i]


class Blocks(Protocol):
    """What a region is found from: a baseline's blocks (a block is built only when read),
    the block of each product, and the global digest of the baseline scenario."""

    def block(self, i: int) -> Block: ...

    @property
    def block_of(self) -> Mapping[str, int]: ...

    @property
    def digest(self) -> str: ...


@dataclass(frozen=True)
class Local:
    """A variant's merged result and how it was reached."""

    result: Result
    labels: tuple[str, ...]  # every block of the variant, by label
    resolved: tuple[str, ...]  # blocks solved for it
    dropped: tuple[BlockOutcome, ...]  # the baseline blocks it replaced
    added: tuple[BlockOutcome, ...]  # their replacements


Solve = Callable[[Block], tuple[BlockOutcome, bool]]  # an outcome, and whether it was solved


@dataclass(frozen=True)
class Region:
    """A local variant's blocks where it differs from the baseline."""

    blocks: list[Block]  # the variant's blocks of the region, by label
    dropped: list[int]  # the baseline's blocks they replace


def dropped_blocks(base: Blocks, variant: Scenario, footprint: Footprint) -> list[int] | None:
    """The baseline blocks a variant replaces, by index; None when the change is not local."""
    reach = _reach(base, variant, footprint)
    return None if reach is None else reach[1]


def region_of(base: Blocks, variant: Scenario, footprint: Footprint) -> Region | None:
    """The region a variant changes, partitioned; None when the change is not local."""
    reach = _reach(base, variant, footprint)
    if reach is None:
        return None
    region, dropped = reach
    sub = _region_scenario(base, variant, region, dropped, footprint)
    try:
        return Region(partition(sub, whole=variant), dropped)
    except ScenarioError:
        return None  # a reference leaves the region: the whole partition reports or copes


def _reach(
    base: Blocks, variant: Scenario, footprint: Footprint
) -> tuple[set[str], list[int]] | None:
    """The products a variant's change reaches and the baseline blocks they replace; None
    when the change is not local."""
    if (variant.reservations or variant.tracked_deployments
            or global_digest(variant) != base.digest):  # fmt: skip
        return None
    region = _region(base, variant, footprint.products)
    return region, sorted({base.block_of[p] for p in region if p in base.block_of})


def solve_local(
    base: Baseline, variant: Scenario, footprint: Footprint, solve: Solve
) -> Local | None:
    """The variant's result from the baseline's, or None when the change is not local."""
    found = region_of(base, variant, footprint)
    if found is None:
        return None
    blocks, dropped = found.blocks, found.dropped
    added, resolved = [], []
    for block in blocks:
        outcome, solved = solve(block)
        added.append(outcome)
        if solved:
            resolved.append(block.label)
    gone = np.zeros(len(base.blocks), dtype=bool)
    gone[dropped] = True
    kept = [(b.label, o) for b, o, g in zip(base.blocks, base.outcomes, gone, strict=True) if not g]
    every = sorted(kept + [(b.label, o) for b, o in zip(blocks, added, strict=True)],
                   key=lambda item: natural_key(item[0]))  # fmt: skip
    outcomes = [o for _, o in every]
    result = merge_spliced(variant, base.result, base.index, outcomes, gone, added)
    if result is None:
        return None
    return Local(
        result=result,
        labels=tuple(label for label, _ in every),
        resolved=tuple(resolved),
        dropped=tuple(base.outcomes[i] for i in dropped),
        added=tuple(added),
    )


def _region(base: Blocks, variant: Scenario, touched: frozenset[str]) -> set[str]:
    """The touched products with every product that shares a baseline block or, in the
    variant, a family with one of them (pins and tracked deployments only link products
    of one baseline block, or products the footprint names)."""
    family: dict[str, set[str]] = {}
    family_of: dict[str, str] = {}
    for p in variant.products:
        if p.family is not None:
            family.setdefault(p.family, set()).add(p.id)
            family_of[p.id] = p.family
    region: set[str] = set()
    todo = set(touched)
    while todo:
        product = todo.pop()
        if product in region:
            continue
        region.add(product)
        if product in base.block_of:
            todo |= base.block(base.block_of[product]).products - region
        if product in family_of:
            todo |= family[family_of[product]] - region
    return region


def _region_scenario(
    base: Blocks, variant: Scenario, region: set[str], dropped: list[int], footprint: Footprint
) -> Scenario:
    """The variant's rows of the region's products, each section in the variant's order."""
    rows: list[tuple[int, Consumption]] = []
    for i in dropped:
        block = base.block(i)
        rows += zip(block.rows, block.scenario.consumptions, strict=True)
    rows.sort(key=lambda item: item[0])
    removed = footprint.removed
    consumptions = [c for _, c in rows if c.id not in removed]
    consumptions += [c for c in footprint.added if c.product in region]
    ids = {c.id for c in consumptions}
    return variant.model_copy(
        update={
            "products": tuple(p for p in variant.products if p.id in region),
            "licences": tuple(lic for lic in variant.licences if lic.product in region),
            "consumptions": tuple(consumptions),
            "direct_assignments": tuple(
                pin for pin in variant.direct_assignments if pin.consumption in ids
            ),
            "variants": (),
        }
    )
