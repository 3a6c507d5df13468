"""How much work a scenario asks for, estimated before compiling, and the limits a caller
(the HTTP API, or the CLI when asked) holds it to.

The figure that decides memory and time is the number of eligible (consumption class,
licence) pairs the compiler would evaluate. Its upper bound here is, per product, the
distinct class keys of its consumptions (product, every value the rules read, size) times
the licences of the product's family (a licence reaches only its own product and older
members of its family). It is linear in rows and licences, so refusing costs far less than
the work refused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lcm_opt.compile.keys import class_keys
from lcm_opt.compile.order import distinct
from lcm_opt.compile.values import table_codes
from lcm_opt.domain import Scenario
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.errors import LcmOptError
from lcm_opt.rules.language import RuleSet, consumption_raw, parse_rules


@dataclass(frozen=True)
class WorkEstimate:
    consumptions: int
    licences: int
    variants: int
    pairs: int  # upper bound on eligible class-licence pairs


@dataclass(frozen=True)
class WorkLimits:
    """None = no limit. `deadline_s` bounds the wall time of a whole request."""

    max_consumptions: int | None = None
    max_pairs: int | None = None
    max_variants: int | None = None
    deadline_s: float | None = None


class WorkLimitExceeded(LcmOptError):
    """A request over a work limit: names the limit, its value and the request's figure."""

    def __init__(self, limit: str, maximum: int, figure: int, what: str) -> None:
        self.limit = limit
        self.maximum = maximum
        self.figure = figure
        super().__init__(
            f"the scenario asks for {figure:,} {what}, over the limit {limit} = {maximum:,}"
        )


class DeadlineExceeded(LcmOptError):
    """The work ran past its wall-clock deadline and was stopped; nothing of it is kept."""

    def __init__(self, deadline_s: float) -> None:
        self.deadline_s = deadline_s
        super().__init__(f"the work took longer than {deadline_s:g} s and was stopped")


def _class_keys(scenario: Scenario, rules: RuleSet) -> Counter[str]:
    """Distinct class keys per product; never fewer than the compiler's classes."""
    table = scenario.consumptions
    if isinstance(table, ConsumptionTable) and not ({"asset", "user"} & rules.consumption_fields):
        # rows differ from their prototype only in id, asset and user: the keys of the
        # prototypes, read from the table's columns, with every size in them
        keys = class_keys(rules, lambda product: True)
        found = keys(len(table.prototypes), table.prototype_values, table_codes(table))
        return Counter(map(found.products.__getitem__, distinct(found.first).tolist()))
    seen: set[tuple[object, ...]] = set()
    for c in table:
        seen.add((c.product, rules.consumption_values(consumption_raw(c)), c.cores, c.processors))
    return Counter(str(key[0]) for key in seen)


def pair_bound(scenario: Scenario, rules: RuleSet | None = None) -> int:
    """Upper bound on the eligible class-licence pairs of `scenario`."""
    rules = rules or parse_rules(scenario.rules)
    family = {p.id: p.family or f"\0{p.id}" for p in scenario.products}
    licences_per_family = Counter(family.get(lic.product, lic.product) for lic in scenario.licences)
    keys = _class_keys(scenario, rules)
    return sum(n * licences_per_family[family.get(p, p)] for p, n in keys.items())


def estimate(scenario: Scenario, variants: int = 0, rules: RuleSet | None = None) -> WorkEstimate:
    return WorkEstimate(
        consumptions=len(scenario.consumptions),
        licences=len(scenario.licences),
        variants=variants,
        pairs=pair_bound(scenario, rules),
    )


def check_limits(work: WorkEstimate, limits: WorkLimits) -> None:
    """Raises WorkLimitExceeded for the first limit `work` is over."""
    checks = (
        ("max_consumptions", limits.max_consumptions, work.consumptions, "consumptions"),
        ("max_variants", limits.max_variants, work.variants, "what-if variants"),
        ("max_pairs", limits.max_pairs, work.pairs, "eligible class-licence pairs (upper bound)"),
    )
    for name, maximum, figure, what in checks:
        if maximum is not None and figure > maximum:
            raise WorkLimitExceeded(name, maximum, figure, what)


def check_scenarios(scenarios: list[Scenario], variants: int, limits: WorkLimits) -> int:
    """Checks a base scenario and its applied variants together: consumptions of the
    largest, pairs summed over all (each may be compiled). Returns the pair bound."""
    if not scenarios:
        return 0
    cheap = WorkEstimate(max(len(s.consumptions) for s in scenarios), 0, variants, 0)
    check_limits(cheap, limits)  # before the pair count, which reads every row
    pairs = sum(pair_bound(s) for s in scenarios)
    check_limits(WorkEstimate(cheap.consumptions, 0, variants, pairs), limits)
    return pairs
