"""Applying a variant to a base Scenario: immutably, each op checked with the Scenario's own
rules (domain/checks.py) where it is applied, then the whole result checked by those rules
(a ScenarioSource), so a variant scenario obeys every rule a loaded one does.

Errors read `variant <name>: changes[<i>] (<op>): <field>: <what is wrong>`; a rule broken
only by the combination of ops (a pool over-declared after `set seats`, ...) is reported by
the final check as `variant <name>: <section>[<row>]: <field>: ...`. An op that matches
nothing (an unknown id, a filter no consumption meets, a pin that does not exist) is an
error: nothing is silently dropped. Removing a licence removes its pins, reservations and
tracked deployments; removing consumptions removes their pins; the notes say how many.

The base's rows are shared, not copied (rows.py), and the final check reads the rows the
ops left as they were only where the changed ones refer to them: those rows obeyed the
rules in the base and no op can break them there (every op checks its own rows, and a
removal takes the pins that pointed at what it removed). What the changes touched goes
with the variant (`footprint`, services/whatif_local.py), so that what-if visits only
those blocks."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.adapters.variants.ops import HANDLERS
from lcm_opt.adapters.variants.rows import WorkingConsumptions
from lcm_opt.adapters.variants.state import WorkingScenario
from lcm_opt.domain import Scenario, Variant
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.variants import op_where
from lcm_opt.services.whatif_local import Footprint

__all__ = ["Applied", "apply_variant"]


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
        where = op_where(variant.name, index, op.op)
        note = HANDLERS[type(op)](state, op, where)
        if note is not None:
            notes.append(f"changes[{index}] ({op.op}): {note}")
    state.problems.raise_if_any()
    scenario = state.build(f"{base.name} [{variant.name}]")
    _revalidate(scenario, state, variant.name)
    return Applied(scenario, tuple(notes), state.footprint())


def _revalidate(scenario: Scenario, state: WorkingScenario, variant: str) -> None:
    """The Scenario's whole-scenario rules (domain/checks.py: references, ids, pools, ...)
    on the variant scenario: what no single op broke but their combination did. Of the
    consumptions and pins only those the variant added are read (the other sections are
    small); their references are checked against every current id. Every row is a
    validated model already, so nothing is dumped or read again."""
    problems = Problems()
    rows = state.consumptions
    added = tuple(rows.added.values())
    base_pins = set(state.base.direct_assignments)
    pins = [(i, pin) for i, pin in enumerate(state.pins) if pin not in base_pins]
    changed = scenario.model_copy(
        update={"consumptions": added, "direct_assignments": tuple(pin for _, pin in pins)}
    )
    places = {
        "consumptions": range(len(rows) - len(added), len(rows)),
        "direct_assignments": [i for i, _ in pins],
    }
    _Changed(f"variant {variant}", problems, rows, places).check(changed)
    problems.raise_if_any()


class _Changed(ScenarioSource):
    """Names an added consumption or pin by its place in the variant, and knows every
    current consumption id."""

    def __init__(
        self, name: str, sink: Problems, rows: WorkingConsumptions, places: dict[str, Any]
    ) -> None:
        super().__init__(name, sink)
        self.rows, self.places = rows, places

    def at(self, section: str, index: int) -> str:
        place = self.places.get(section)
        return super().at(section, index if place is None else place[index])

    def known(self, section: str) -> Collection[str] | None:
        return self.rows if section == "consumptions" else None
