"""What-if variants as the user writes them (docs/scenario.md, "Variants"): typed ops
parsed, applied immutably and validated with the loader's own checks. The service
(services/whatif.py) receives the built variant scenarios."""

from __future__ import annotations

import time
from pathlib import Path

from lcm_opt.adapters.variants.apply import apply_variant
from lcm_opt.domain import Scenario, Variant
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.services.whatif import Applied, WhatIfReport, compare_variants

__all__ = ["apply_all", "apply_variant", "run_whatif", "select_variants", "whatif"]


def whatif(
    scenario: Scenario, variant_names: list[str] | None = None, engine: str = "optimal"
) -> WhatIfReport:
    """The baseline and the chosen variants (default: all) side by side. A `set_rules`
    path resolves against the working directory (the CLI uses the file's directory)."""
    return run_whatif(scenario, variant_names, engine, base_dir=Path.cwd())


def run_whatif(
    scenario: Scenario, variant_names: list[str] | None, engine: str, *, base_dir: Path
) -> WhatIfReport:
    chosen = select_variants(scenario, variant_names)
    return compare_variants(scenario, apply_all(scenario, chosen, base_dir), engine)


def select_variants(scenario: Scenario, names: list[str] | None) -> list[Variant]:
    """The named variants in the order given (default: all, in scenario order)."""
    known = {v.name: v for v in scenario.variants}
    if not known:
        raise ScenarioError(
            "the scenario has no variants: add a `variants` block or use a variant file",
            field="variants",
        )
    if names is None:
        return list(scenario.variants)
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(known)
        raise ScenarioError(
            f"unknown variant(s) {', '.join(map(repr, unknown))}; variants: {listed}",
            field="variant",
        )
    return [known[n] for n in dict.fromkeys(names)]


def apply_all(scenario: Scenario, variants: list[Variant], base_dir: Path) -> list[Applied]:
    """Every variant applied; the errors of all variants are raised together."""
    applied, errors = [], []
    for variant in variants:
        try:
            started = time.perf_counter()
            built = apply_variant(scenario, variant, base_dir=base_dir)
            seconds = time.perf_counter() - started
            applied.append(
                Applied(variant.name, built.scenario, built.notes, built.footprint, seconds)
            )
        except ScenarioError as exc:
            errors.extend(exc.errors if isinstance(exc, ScenarioErrors) else [exc])
    if errors:
        raise ScenarioErrors(errors)
    return applied
