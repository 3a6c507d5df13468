"""What-if variants (docs/scenario.md, "Variants"): typed changes (domain/variants.py,
validated where the scenario is read) applied immutably and checked with the Scenario's own
rules. The service (services/whatif.py) receives the built variant scenarios."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lcm_opt.adapters.files_errors import Problems, item_place, report_validation
from lcm_opt.adapters.variants.apply import apply_variant
from lcm_opt.adapters.variants.summary import summary_of
from lcm_opt.domain import Scenario, Variant
from lcm_opt.domain.variants import OP_MODELS, VariantOp, op_where
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.services.whatif import Applied, WhatIfReport, compare_variants
from lcm_opt.services.whatif_bulk import ReportRows, compare_rows

__all__ = [
    "apply_all", "apply_variant", "run_whatif", "run_whatif_rows", "select_variants",
    "variant_of", "whatif",
]  # fmt: skip

_OP: TypeAdapter[Any] = TypeAdapter(VariantOp)


def variant_of(name: str, changes: Iterable[object]) -> Variant:
    """A Variant built from raw changes in code; a bad change is a ScenarioErrors at
    `variant <name>: changes[<i>] (<op>)` with the field, every change checked."""
    problems = Problems()
    ops = []
    for index, change in enumerate(changes):
        op = change.get("op") if isinstance(change, Mapping) else None
        where = op_where(name, index, op if op in OP_MODELS else None)
        try:
            ops.append(_OP.validate_python(change))
        except ValidationError as exc:
            report_validation(Variant, exc, problems, item_place(where))
    problems.raise_if_any()
    return Variant(name=name, changes=tuple(ops))


def whatif(
    scenario: Scenario, variant_names: list[str] | None = None, engine: str = "optimal"
) -> WhatIfReport:
    """The baseline and the chosen variants (default: all) side by side. A `set_rules`
    path resolves against the working directory (the CLI uses the file's directory)."""
    return run_whatif(scenario, variant_names, engine, base_dir=Path.cwd())


def run_whatif(
    scenario: Scenario,
    variant_names: list[str] | None,
    engine: str,
    *,
    base_dir: Path,
    records: bool = True,
) -> WhatIfReport:
    """`records`: whether the report's results carry their grant and deficit rows (a
    report rendered as tables does not read them)."""
    chosen = select_variants(scenario, variant_names)
    applied = apply_all(scenario, chosen, base_dir)
    summarise = None if records else summary_of
    return compare_variants(scenario, applied, engine, summarise=summarise)


def run_whatif_rows(
    scenario: Scenario, variant_names: list[str] | None, engine: str, *, base_dir: Path
) -> tuple[WhatIfReport, ReportRows | None]:
    """run_whatif() with every record, those of the results given apart as arrays where
    they can be (services.whatif.compare_rows): for writers that put them out in bulk."""
    chosen = select_variants(scenario, variant_names)
    applied = apply_all(scenario, chosen, base_dir)
    return compare_rows(scenario, applied, engine, summary_of)


def select_variants(scenario: Scenario, names: list[str] | None) -> list[Variant]:
    """The named variants in the order given (default: all, in scenario order)."""
    known = {v.name: v for v in scenario.variants}
    if not known:
        message = "the scenario has no variants: add a `variants` block or use a variant file"
        raise ScenarioError(message, field="variants")
    if names is None:
        return list(scenario.variants)
    if unknown := ", ".join(repr(n) for n in names if n not in known):
        message = f"unknown variant(s) {unknown}; variants: {', '.join(known)}"
        raise ScenarioError(message, field="variant")
    return [known[n] for n in dict.fromkeys(names)]


def apply_all(scenario: Scenario, variants: list[Variant], base_dir: Path) -> list[Applied]:
    """Every variant applied; the errors of all variants are raised together."""
    applied, errors = [], []
    for variant in variants:
        try:
            applied.append(apply_variant(scenario, variant, base_dir=base_dir))
        except ScenarioError as exc:
            errors.extend(exc.errors if isinstance(exc, ScenarioErrors) else [exc])
    if errors:
        raise ScenarioErrors(errors)
    return applied
