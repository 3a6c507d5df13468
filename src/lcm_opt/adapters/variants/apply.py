"""Applying a variant to a base Scenario, immutably: the ops change a working copy (ops.py),
then the variant Scenario validates itself with the Scenario's own rules (domain/checks.py),
so a variant scenario obeys every rule a loaded one does, each checked once.

Errors read `variant <name>: changes[<i>] (<op>): <field>: <what is wrong>`: a broken rule
is reported at the op that made the row (a pool over-declared after `set seats` at that
`set`, a family clash at the `set` of a member's version); a row no op made is named by its
place in the variant, `variant <name>: <section>[<row>]`. An op that matches nothing (an
unknown id, a filter no consumption meets, a pin that does not exist) is an error: nothing
is silently dropped. Removing a licence removes its pins, reservations and tracked
deployments; removing consumptions removes their pins; the notes say how many.

The base's rows are shared, not copied (rows.py), and of the consumptions and pins only
those the variant added are validated: the others obeyed the rules in the base and no op
can break them there (a removal takes the pins that pointed at what it removed); their ids
still count as known. What the changes touched goes with the variant (`footprint`,
services/whatif_local.py), so that what-if visits only those blocks."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from lcm_opt.adapters.variants.ops import HANDLERS
from lcm_opt.adapters.variants.state import Origin, WorkingScenario
from lcm_opt.domain import Scenario, Variant
from lcm_opt.domain.checks import Issue, did_you_mean
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.variants import op_where
from lcm_opt.services.whatif_local import Footprint

__all__ = ["Applied", "apply_variant"]

_POOLS = ("reservations", "tracked_deployments")


@dataclass(frozen=True)
class Applied:
    scenario: Scenario
    notes: tuple[str, ...]  # what each change did, e.g. "removed 47 consumption(s) ..."
    footprint: Footprint | None = None  # None: the changes reach every block


def apply_variant(base: Scenario, variant: Variant, *, base_dir: Path) -> Applied:
    """The base scenario with the variant's changes applied, named `<base> [<variant>]`.
    `base_dir` resolves a `set_rules` path. Raises ScenarioErrors listing every problem."""
    state = WorkingScenario.of(base, base_dir)
    notes: list[str] = []
    for index, op in enumerate(variant.changes):
        note = HANDLERS[type(op)](state, op, op_where(variant.name, index, op.op))
        if note is not None:
            notes.append(f"changes[{index}] ({op.op}): {note}")
    scenario = state.build(f"{base.name} [{variant.name}]")
    made = state.origins
    changed = {
        **dict(scenario),
        "consumptions": tuple(state.consumptions.added.values()),
        "direct_assignments": tuple(
            p for p in state.pins if ("direct_assignments", (p.licence, p.consumption)) in made
        ),
    }
    Scenario.model_validate(changed, context=_AtOps(f"variant {variant.name}", state))
    state.problems.raise_if_any()
    return Applied(scenario, tuple(notes), state.footprint())


class _AtOps(ScenarioSource):
    """The validation context of a variant: reports each broken rule at the op that made
    the row it is on (or, for a pool, the op that changed the licence; for a family, the
    op that changed a member), and counts every current consumption id as known."""

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
            message = issue.message + (did_you_mean(*issue.unknown) if issue.unknown else "")
            origin = self._origin(issue)
            if origin is None:
                self.state.problems.add(
                    self.where(issue.section, issue.index), issue.field, message
                )
                continue
            where, prefix, of = origin
            self.state.problems.add(
                where, of if issue.section in _POOLS else prefix + issue.field, message
            )

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
