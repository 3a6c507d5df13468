"""Applying a variant to a base Scenario, immutably: the ops (services/variant_ops.py)
change a working copy, then the Scenario's own rules check the result
(services/variant_check.py), so a variant obeys every rule a loaded scenario does, each
checked once. The file side is supplied here: a `set_rules` path resolves against
`base_dir`, and a changed row's errors are worded as the loader words them, at
`variant <name>: changes[<i>] (<op>)`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files_errors import Problems, validate_item
from lcm_opt.adapters.files_rules import resolve_rules
from lcm_opt.domain import RuleText, Scenario, Variant
from lcm_opt.domain.variants import op_where
from lcm_opt.services.variant_check import check_variant
from lcm_opt.services.variant_ops import HANDLERS
from lcm_opt.services.variant_state import WorkingScenario
from lcm_opt.services.whatif import Applied


def apply_variant(base: Scenario, variant: Variant, *, base_dir: Path) -> Applied:
    """The base scenario with the variant's changes applied, named `<base> [<variant>]`.
    `base_dir` resolves a `set_rules` path. Raises ScenarioErrors listing every problem."""
    started = time.perf_counter()
    problems = Problems()

    def validate(model: type[Any], raw: dict[str, Any], where: str) -> Any:
        return validate_item(model, raw, where, problems)

    def read_rules(value: object, where: str) -> RuleText:
        return resolve_rules(value, base_dir=base_dir, source=where)

    state = WorkingScenario.of(base, problems, validate, read_rules)
    notes: list[str] = []
    for index, op in enumerate(variant.changes):
        note = HANDLERS[type(op)](state, op, op_where(variant.name, index, op.op))
        if note is not None:
            notes.append(f"changes[{index}] ({op.op}): {note}")
    scenario = state.build(f"{base.name} [{variant.name}]")
    check_variant(scenario, state, variant.name)
    problems.raise_if_any()
    seconds = time.perf_counter() - started
    return Applied(variant.name, scenario, tuple(notes), state.footprint(), seconds)
