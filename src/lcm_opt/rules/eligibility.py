"""Candidate filtering, product reach, units and the built-in Allocation Rule: the
documented eligibility primitives shared by compile and the independent checker.

R6-R10 (candidates), R16/A15/A37 (allocation rule), R28/A10/A19/A40 (units),
R31-R36/A11/A28 (downgrade reach), A9/A44 (metric compatibility), A32 (split groups)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from lcm_opt.domain import (
    TYPE_CODES,
    Dimension,
    DowngradeRule,
    Licence,
    LicenceStatus,
    Metric,
    Product,
    version_key,
)
from lcm_opt.rules.hierarchy import Hierarchy


class Reach(StrEnum):
    EXACT = "exact"
    DOWNGRADE = "downgrade"


def licence_metric(licence: Licence) -> Metric | None:
    """The licence's metric flag; None for FREE (never a candidate, A9b)."""
    return TYPE_CODES[licence.type]


_IN_SERVICE = LicenceStatus.IN_SERVICE  # a member read once: Enum class lookups are slow


def is_in_service(licence: Licence) -> bool:
    return licence.status is _IN_SERVICE  # R6


def has_capacity(licence: Licence) -> bool:
    return licence.unlimited or (licence.seats or 0) > 0  # R8, A20, A33


def metric_compatible(product: Metric, licence: Metric | None, strict: bool) -> bool:
    """A9/A44: user licences only for user products; device-style licences (device, core,
    processor) are mutually usable for device-style products unless strict_metric_match."""
    if licence is None:
        return False
    if strict:
        return licence is product
    return (licence is Metric.USER) == (product is Metric.USER)


def split_group(licence: Licence) -> str:
    """A32: licences that may share one consumption ask the same units of it. Core codes
    with different minimums form different groups; all device-style codes charge 1."""
    metric = TYPE_CODES[licence.type]
    if metric is Metric.CORE:
        return licence.type
    return str(metric)


def licence_units(
    licence_type: str,
    cores: int | None,
    processors: int | None,
    core_minimums: Mapping[str, int],
) -> int | None:
    """R28/A19/A40: units one consumption draws from a licence of this type; None when
    the consumption's cores are unknown and the licence is a core licence."""
    metric = TYPE_CODES[licence_type]
    if metric is Metric.CORE:
        if cores is None:
            return None
        return max(cores, core_minimums.get(licence_type, 0))
    if metric is Metric.PROCESSOR:
        return max(processors or 1, 1)
    return 1


def product_units(metric: Metric, cores: int | None, processors: int | None) -> int:
    """A10: a consumption's demand in the product's metric units (R48). A core product
    whose consumption has no cores counts 0 cores (A40; flagged with a warning)."""
    if metric is Metric.CORE:
        return cores or 0
    if metric is Metric.PROCESSOR:
        return max(processors or 1, 1)
    return 1


class Chains:
    """Version chains (ProductRelationship): products of one family ordered by A43."""

    def __init__(self, products: Mapping[str, Product]) -> None:
        families: dict[str, list[Product]] = {}
        for product in products.values():
            if product.family is not None:
                families.setdefault(product.family, []).append(product)
        self._position: dict[str, tuple[str, int]] = {}
        self.families: dict[str, list[str]] = {}
        for family, members in families.items():
            ordered = sorted(members, key=lambda p: version_key(p.version or ""))
            self.families[family] = [p.id for p in ordered]
            for position, product in enumerate(ordered):
                self._position[product.id] = (family, position)

    def steps_back(self, newer: str, older: str) -> int | None:
        """How many versions `older` precedes `newer` in one chain; None if unrelated."""
        a, b = self._position.get(newer), self._position.get(older)
        if a is None or b is None or a[0] != b[0]:
            return None
        return a[1] - b[1]


def reach(
    licence_product: Product,
    licence_rule: DowngradeRule | None,
    consumption_product: str,
    chains: Chains,
    downgrades_allowed: bool,
) -> Reach | None:
    """R10/R31/A28: exact product, or an older version of the chain within the rule's
    reach; upgrades never. R36: the kill switch turns every downgrade off."""
    if licence_product.id == consumption_product:
        return Reach.EXACT
    if not downgrades_allowed:
        return None
    rule = licence_rule or licence_product.downgrade  # R32
    steps = chains.steps_back(licence_product.id, consumption_product)
    if steps is None or steps <= 0 or rule is DowngradeRule.NONE:
        return None
    if rule is DowngradeRule.ONE and steps != 1:
        return None
    return Reach.DOWNGRADE


def effective_allocation_rule(licence: Licence, product: Product) -> tuple[Dimension, ...]:
    """R16/A37/A29: the licence's rule, else its product's catalog default."""
    return licence.allocation_rule or product.allocation_rule


def allocation_rule_ok(
    rule: tuple[Dimension, ...],
    consumption: Mapping[str, object],
    licence: Licence,
    hierarchy: Hierarchy,
) -> bool:
    """R16/A15: department and cost centre by equality, location by `within`; a licence
    with no value on a named dimension is unscoped there (A15b)."""
    for dimension in rule:
        wanted = getattr(licence, dimension.value)
        if wanted is None:
            continue
        have = consumption.get(dimension.value)
        if have is None:
            return False
        if dimension is Dimension.LOCATION:
            if not hierarchy.within(dimension, str(have), wanted):
                return False
        elif have != wanted:
            return False
    return True
