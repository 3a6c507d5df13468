"""Scenario-wide lookups for the result checker: which licences are candidates, what they
reach, the units and score of a pair and whether its requirements hold.

Built only from the domain, the documented eligibility primitives and the rule language,
never from the compiler or the engines: the checker is the independent specification."""

from __future__ import annotations

from lcm_opt.compile.merge import merge_per_user
from lcm_opt.domain import (
    Consumption,
    HierarchyScoring,
    Licence,
    Product,
    Scenario,
    natural_key,
)
from lcm_opt.rules.eligibility import (
    Chains,
    Reach,
    allocation_rule_ok,
    effective_allocation_rule,
    has_capacity,
    is_in_service,
    licence_metric,
    licence_units,
    metric_compatible,
    product_units,
    reach,
)
from lcm_opt.rules.hierarchy import Hierarchy
from lcm_opt.rules.language import consumption_raw, licence_raw, parse_rules

Values = tuple[object, ...]


class CheckContext:
    """One scenario, after the A18 merge, with every pair question the checker asks."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.settings = scenario.settings
        self.rules = parse_rules(scenario.rules)
        self.hierarchy = Hierarchy(scenario.org)
        self.products: dict[str, Product] = {p.id: p for p in scenario.products}
        self.licences: dict[str, Licence] = {lic.id: lic for lic in scenario.licences}
        self.chains = Chains(self.products)
        kept, self.merged = merge_per_user(scenario.consumptions, self.products)
        kept.sort(key=lambda c: natural_key(c.id))
        self.consumptions: dict[str, Consumption] = {c.id: c for c in kept}
        self.free = {c.id for c in kept if self.products[c.product].free}  # R9, A36
        self.exclusive = self.settings.hierarchy_scoring is HierarchyScoring.EXCLUSIVE
        self._raw = {c.id: consumption_raw(c) for c in kept}
        self._cv = {cid: self.rules.consumption_values(raw) for cid, raw in self._raw.items()}
        self._lv = {
            lic.id: self.rules.licence_values(licence_raw(lic)) for lic in scenario.licences
        }
        # LCM pools (L2, A45): units reserved out of each finite pool, and
        # each licence's Track Deployments, product -> quantity (0 = no cap, L5)
        self.reserved: dict[str, int] = {}
        for r in scenario.reservations:
            if r.licence in self.licences and not self.licences[r.licence].unlimited:
                self.reserved[r.licence] = self.reserved.get(r.licence, 0) + r.quantity
        self.tracked: dict[str, dict[str, int]] = {}
        for t in scenario.tracked_deployments:
            self.tracked.setdefault(t.licence, {})[t.product] = t.quantity

    # --- lookups -----------------------------------------------------------------------

    def unknown_consumption(self, cid: str) -> str | None:
        """Why `cid` is not a consumption of the merged scenario, or None when it is."""
        if cid in self.consumptions:
            return None
        if cid in self.merged:
            return f"consumption {cid} was merged into {self.merged[cid]} (A18)"
        return f"consumption {cid} does not exist in the scenario"

    def paying(self) -> list[Consumption]:
        """Non-free consumptions after the merge, in natural id order."""
        return [c for c in self.consumptions.values() if c.id not in self.free]

    def product_units(self, c: Consumption) -> int:
        """A10: the consumption's demand in its product's metric units."""
        return product_units(self.products[c.product].metric, c.cores, c.processors)

    def pool(self, licence: Licence) -> int | None:
        """R27, A45: units a finite licence may grant, seats minus reservations."""
        if licence.unlimited:
            return None
        return (licence.seats or 0) - self.reserved.get(licence.id, 0)

    def cap(self, lid: str, product: str) -> int | None:
        """L5, A45: the Track Deployment cap of (licence, product); None = no cap."""
        return self.tracked.get(lid, {}).get(product) or None

    def fence_issue(self, licence: Licence, product: str) -> str | None:
        """L4: a licence with Track Deployments serves only its tracked products."""
        tracked = self.tracked.get(licence.id)
        if tracked is None or product in tracked:
            return None
        names = ", ".join(sorted(tracked, key=natural_key))
        return (
            f"licence {licence.id} is ring-fenced by Track Deployments to {names}; "
            f"product {product} may not draw from it (L4)"
        )

    # --- pair questions ----------------------------------------------------------------

    def candidate_issue(self, licence: Licence, product: Product) -> str | None:
        """R6-R9, A9, A33, A44: why `licence` may not cover `product`'s consumptions."""
        if not is_in_service(licence):
            return f"licence {licence.id} is not in service (status {licence.status}, R6)"
        if not has_capacity(licence):
            return f"licence {licence.id} has zero seats (R8, A33)"
        metric = licence_metric(licence)
        if metric is None:
            return f"licence {licence.id} has type FREE (R9, A9)"
        strict = self.settings.strict_metric_match
        if not metric_compatible(product.metric, metric, strict):
            how = "strict_metric_match" if strict else "A9/A44"
            return (
                f"licence {licence.id} type {licence.type} ({metric}) is not usable for "
                f"{product.metric}-metric product {product.id} ({how})"
            )
        return None

    def reach(self, licence: Licence, product: str) -> Reach | None:
        """R10, R31-R36, A28: exact, downgrade within the licence's rule, or nothing."""
        return reach(
            self.products[licence.product],
            licence.downgrade,
            product,
            self.chains,
            self.settings.downgrades_allowed,
        )

    def reach_issue(self, licence: Licence, product: str) -> str:
        rule = licence.downgrade or self.products[licence.product].downgrade
        text = (
            f"licence {licence.id} (product {licence.product}, downgrade {rule}) "
            f"does not reach product {product} (R10, R31, A28)"
        )
        if not self.settings.downgrades_allowed:
            text += "; downgrades_allowed is false (R36)"
        return text

    def units(self, licence: Licence, c: Consumption) -> int | None:
        """R28, A19, A40: licence units the consumption draws; None = cores unknown."""
        return licence_units(licence.type, c.cores, c.processors, self.settings.core_minimums)

    def allocation_rule(self, licence: Licence) -> tuple[str, ...]:
        rule = effective_allocation_rule(licence, self.products[licence.product])
        return tuple(str(d) for d in rule)

    def requirements_ok(self, c: Consumption, licence: Licence) -> bool:
        """R12-R17; A15(c): a non-empty Allocation Rule replaces the rule set's requirements."""
        rule = effective_allocation_rule(licence, self.products[licence.product])
        if rule:
            return allocation_rule_ok(rule, self._raw[c.id], licence, self.hierarchy)
        return self.rules.requirements_ok(
            self._cv[c.id], self._lv[licence.id], self.hierarchy.within
        )

    def requirement_issue(self, c: Consumption, licence: Licence) -> str:
        rule = self.allocation_rule(licence)
        if rule:
            return f"fails licence {licence.id}'s allocation rule {list(rule)} (R16, A15)"
        return f"fails a requirement of rule set {self.rules.name} (R14)"

    def score(self, c: Consumption, licence: Licence) -> int:
        """R23, A6: the pair's affinity score."""
        return self.rules.score(
            self._cv[c.id], self._lv[licence.id], self.hierarchy.within, self.exclusive
        )

    def eligible(self, c: Consumption, licence: Licence) -> bool:
        """An auto grant of `licence` to `c` is possible given enough capacity."""
        product = self.products[c.product]
        return (
            self.candidate_issue(licence, product) is None
            and self.fence_issue(licence, c.product) is None
            and self.reach(licence, c.product) is not None
            and self.units(licence, c) is not None
            and self.requirements_ok(c, licence)
        )

    def has_eligible(self, c: Consumption) -> bool:
        return any(self.eligible(c, licence) for licence in self.licences.values())
