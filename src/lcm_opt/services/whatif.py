"""What-if comparisons (issue 4): the baseline and each variant side by side, re-solving only
the blocks a variant touches.

`whatif(scenario, variant_names, engine)` applies each chosen variant (whatif_apply.py),
splits every scenario into independent blocks (whatif_blocks.py), solves only blocks whose
fingerprint no earlier solve in this run had (the baseline's first), and merges block
results into exactly the Result a full solve of the variant scenario gives
(whatif_merge.py); when blocks cannot be merged exactly, the variant is solved whole."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Result, Scenario, Variant
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.rules.language import RuleSet, parse_rules
from lcm_opt.services.solve import ENGINES, run
from lcm_opt.services.whatif_apply import Applied, apply_variant
from lcm_opt.services.whatif_blocks import Block, partition, solve_block
from lcm_opt.services.whatif_merge import BlockOutcome, merge
from lcm_opt.services.whatif_report import (
    Position,
    VariantReport,
    WhatIfReport,
    delta,
    position,
)

__all__ = ["BlockSolver", "Solved", "WhatIfReport", "run_whatif", "whatif"]


@dataclass(frozen=True)
class Solved:
    result: Result
    blocks: tuple[str, ...]
    resolved: tuple[str, ...]
    full_solve: bool
    seconds: float


class BlockSolver:
    """Solves scenarios block by block with one engine, caching outcomes by fingerprint."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.cache: dict[str, BlockOutcome] = {}
        self._rules: dict[tuple[str, ...], RuleSet] = {}

    def solve(self, scenario: Scenario) -> Solved:
        started = time.perf_counter()
        rules = self._parsed(scenario)
        blocks = partition(scenario)
        labels = tuple(b.label for b in blocks)
        result, resolved = None, list(labels)
        if not (scenario.reservations or scenario.tracked_deployments):
            # LCM allocations add an overview merging cannot rebuild: those solve whole
            result, resolved = self._by_blocks(scenario, blocks, rules)
        full = result is None
        if result is None:
            result = run(compile_scenario(scenario, rules), self.engine).result
            resolved = list(labels)
        return Solved(result, labels, tuple(resolved), full, time.perf_counter() - started)

    def _by_blocks(
        self, scenario: Scenario, blocks: list[Block], rules: RuleSet
    ) -> tuple[Result | None, list[str]]:
        """The merged result (None when not mergeable) and the labels of blocks solved."""
        outcomes, resolved = [], []
        for block in blocks:
            outcome = self.cache.get(block.fingerprint)
            if outcome is None:
                outcome = solve_block(block, rules, self.engine)
                self.cache[block.fingerprint] = outcome
                resolved.append(block.label)
            outcomes.append(outcome)
        return merge(scenario, outcomes), resolved

    def _parsed(self, scenario: Scenario) -> RuleSet:
        lines = scenario.rules.lines
        if lines not in self._rules:
            self._rules[lines] = parse_rules(scenario.rules)
        return self._rules[lines]


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
) -> WhatIfReport:
    if engine not in ENGINES:
        accepted = ", ".join(ENGINES)
        raise ScenarioError(f"unknown engine {engine!r}; accepted: {accepted}", field="engine")
    chosen = select_variants(scenario, variant_names)
    applied = list(zip(chosen, apply_all(scenario, chosen, base_dir), strict=True))
    solver = BlockSolver(engine)
    base = solver.solve(scenario)
    base_position = position("baseline", base.result, scenario)
    reports = [
        _variant_report(solver, variant.name, changed, base_position, base.result)
        for variant, changed in applied
    ]
    return WhatIfReport(
        scenario=scenario.name,
        engine=engine,
        blocks=base.blocks,
        baseline=base_position,
        baseline_seconds=round(base.seconds, 4),
        variants=tuple(reports),
        baseline_result=base.result,
    )


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
            applied.append(apply_variant(scenario, variant, base_dir=base_dir))
        except ScenarioError as exc:
            errors.extend(exc.errors if isinstance(exc, ScenarioErrors) else [exc])
    if errors:
        raise ScenarioErrors(errors)
    return applied


def _variant_report(
    solver: BlockSolver, name: str, changed: Applied, base: Position, base_result: Result
) -> VariantReport:
    solved = solver.solve(changed.scenario)
    pos = position(name, solved.result, changed.scenario)
    resolved = set(solved.resolved)
    return VariantReport(
        name=name,
        changes=changed.notes,
        position=pos,
        delta=delta(base, base_result, pos, solved.result),
        blocks_resolved=solved.resolved,
        blocks_reused=tuple(label for label in solved.blocks if label not in resolved),
        full_solve=solved.full_solve,
        seconds=round(solved.seconds, 4),
        result=solved.result,
    )
