"""Pair evaluation: reach, units, requirements and affinity of (class, licence) pairs."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from lcm_opt.compile.lcm import tracked_products
from lcm_opt.compile.problem import PairCheck
from lcm_opt.domain import HierarchyScoring, Licence, Scenario, natural_key
from lcm_opt.rules.eligibility import (
    Chains,
    Reach,
    allocation_rule_ok,
    effective_allocation_rule,
    licence_metric,
    licence_units,
    metric_compatible,
    reach,
)
from lcm_opt.rules.hierarchy import Hierarchy
from lcm_opt.rules.language import RuleSet, licence_rows


class Evaluator:
    """Scenario-wide lookups: reach, units, requirements and scores of any pair."""

    def __init__(self, scenario: Scenario, rules: RuleSet) -> None:
        self.scenario = scenario
        self.settings = scenario.settings
        self.rules = rules
        self.hierarchy = Hierarchy(scenario.org)
        self.products = {p.id: p for p in scenario.products}
        self.chains = Chains(self.products)
        self.licences = sorted(scenario.licences, key=lambda lic: natural_key(lic.id))
        self.licence_index = {lic.id: i for i, lic in enumerate(self.licences)}
        # validated licences hold only str, int and None where the rules read them
        rows = partial(licence_rows, self.licences)
        self.values = rules.licence_values_of(rows, len(self.licences), alike=True)
        self.exclusive = self.settings.hierarchy_scoring is HierarchyScoring.EXCLUSIVE
        self.tracked = tracked_products(scenario)

    def may_draw(self, licence: Licence, product: str) -> bool:
        """L4: a licence with Track Deployments serves only its tracked products."""
        tracked = self.tracked.get(licence.id)
        return tracked is None or product in tracked

    def reach(self, licence: Licence, product: str) -> Reach | None:
        return reach(
            self.products[licence.product],
            licence.downgrade,
            product,
            self.chains,
            self.settings.downgrades_allowed,
        )

    def requirements_ok(self, raw: Mapping[str, object], cv: tuple[object, ...], li: int) -> bool:
        licence = self.licences[li]
        rule = effective_allocation_rule(licence, self.products[licence.product])
        if rule:  # A15(c): an explicit Allocation Rule replaces the rule set's requirements
            return allocation_rule_ok(rule, raw, licence, self.hierarchy)
        return self.rules.requirements_ok(cv, self.values[li], self.hierarchy.within)

    def score(self, cv: tuple[object, ...], li: int) -> int:
        return self.rules.score(cv, self.values[li], self.hierarchy.within, self.exclusive)

    def units(self, licence: Licence, raw: Mapping[str, object]) -> int | None:
        cores, processors = raw["cores"], raw["processors"]
        assert cores is None or isinstance(cores, int)
        assert processors is None or isinstance(processors, int)
        return licence_units(licence.type, cores, processors, self.settings.core_minimums)

    def check(
        self, raw: Mapping[str, object], cv: tuple[object, ...], li: int, product: str
    ) -> PairCheck:
        """One (consumption, licence) pair outside the eligible edges: pins (A13, A14)."""
        licence = self.licences[li]
        return PairCheck(
            reach=self.reach(licence, product),
            compatible=metric_compatible(
                self.products[product].metric,
                licence_metric(licence),
                self.settings.strict_metric_match,
            ),
            units=self.units(licence, raw),
            requirements_ok=self.requirements_ok(raw, cv, li),
            score=self.score(cv, li),
            fenced=not self.may_draw(licence, product),
        )
