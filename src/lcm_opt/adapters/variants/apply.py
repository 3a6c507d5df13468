"""Applying a variant to a base Scenario: immutably, each op checked with the Scenario's own
rules (domain/checks.py) where it is applied, then the whole result checked by those rules
(a ScenarioSource), so a variant scenario obeys every rule a loaded one does.

Errors read `variant <name>: changes[<i>] (<op>): <field>: <what is wrong>`; a rule broken
only by the combination of ops (a pool over-declared after `set seats`, ...) is reported by
the final check as `variant <name>: <section>[<row>]: <field>: ...`. An op that matches
nothing (an unknown id, a filter no consumption meets, a pin that does not exist) is an
error: nothing is silently dropped. Removing a licence removes its pins, reservations and
tracked deployments; removing consumptions removes their pins; the notes say how many."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.adapters.variants.ops import HANDLERS
from lcm_opt.adapters.variants.state import WorkingScenario
from lcm_opt.domain import Scenario, Variant
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.variants import op_where

__all__ = ["Applied", "apply_variant"]


@dataclass(frozen=True)
class Applied:
    scenario: Scenario
    notes: tuple[str, ...]  # what each change did, e.g. "removed 47 consumption(s) ..."


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
    _revalidate(scenario, variant.name)
    return Applied(scenario, tuple(notes))


def _revalidate(scenario: Scenario, variant: str) -> None:
    """The Scenario's whole-scenario rules (domain/checks.py: references, ids, pools, ...)
    on the variant scenario: what no single op broke but their combination did. Every row
    is a validated model already, so nothing is dumped or read again."""
    problems = Problems()
    ScenarioSource(f"variant {variant}", problems).check(scenario)
    problems.raise_if_any()
