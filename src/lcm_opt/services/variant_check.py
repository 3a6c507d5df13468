"""A variant scenario validated by the Scenario's own rules (domain/checks.py), with a
validation context that knows which op made each row (services/variant_state.py).

A broken rule is reported at the op that made the row it is on (`variant v: changes[2]
(add_licence)`, field `licence.product`), a pool over-declared at the op that changed the
licence (field: what it set), a family clash at the op that changed a member; a row no op
made is named by its place in the variant, `variant v: <section>[<row>]`.

Of the consumptions and pins only those the variant added are validated: the others
obeyed the rules in the base and no op can break them there (a removal takes the pins that
pointed at what it removed); their ids still count as known."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from lcm_opt.domain import Scenario
from lcm_opt.domain.checks import Issue
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.services.variant_state import Origin, WorkingScenario

__all__ = ["check_variant"]

_POOLS = ("reservations", "tracked_deployments")


def check_variant(scenario: Scenario, state: WorkingScenario, name: str) -> None:
    """Reports what the Scenario's rules find in `scenario` (built from `state`) to the
    state's problems, naming the variant `name`."""
    made = state.origins
    changed = {
        **dict(scenario),
        "consumptions": tuple(state.consumptions.added.values()),
        "direct_assignments": tuple(
            p for p in state.pins if ("direct_assignments", (p.licence, p.consumption)) in made
        ),
    }
    Scenario.model_validate(changed, context=_AtOps(f"variant {name}", state))


class _AtOps(ScenarioSource):
    """Locates each broken rule at the op that made its row; every current consumption
    id is known."""

    def __init__(self, name: str, state: WorkingScenario) -> None:
        super().__init__(name, state.problems)
        self.state = state
        self.scenario: Scenario | None = None

    def known(self, section: str) -> Collection[str] | None:
        return self.state.consumptions if section == "consumptions" else None

    def check(self, scenario: Scenario) -> None:
        self.scenario = scenario
        super().check(scenario)

    def report(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            message = issue.text()
            origin = self._origin(issue)
            if origin is None:
                where = self.where(issue.section, issue.index)
                self.state.problems.add(where, issue.field, message)
                continue
            where, prefix, of = origin
            field = of if issue.section in _POOLS else prefix + issue.field
            self.state.problems.add(where, field, message)

    def _origin(self, issue: Issue) -> Origin | None:
        if issue.index is None or self.scenario is None:
            return None
        made = self.state.origins
        row = getattr(self.scenario, issue.section)[issue.index]
        if issue.section in _POOLS:
            return made.get(("licences", row.licence))
        if issue.section == "direct_assignments":
            return made.get((issue.section, (row.licence, row.consumption)))
        if issue.section == "products" and ("products", row.id) not in made:
            members = [p.id for p in self.scenario.products if p.family == row.family]
            return next((made[k] for m in members if (k := ("products", m)) in made), None)
        return made.get((issue.section, row.id))
