"""What-if comparisons: the baseline and each variant side by side, re-solving only
the blocks a variant touches.

`compare_variants(scenario, applied, engine)` takes variant scenarios already built and
validated by adapters/variants, splits the baseline into independent blocks
(whatif_blocks.py), solves only blocks whose fingerprint no earlier solve in this run had
(the baseline's first), and merges block results into exactly the Result a full solve of
the variant scenario gives (whatif_merge.py). A variant that says what it touched (its
footprint) is solved from the baseline's blocks, visiting only the region it reaches
(whatif_local.py); one that does not is partitioned whole. When blocks cannot be merged
exactly, the variant is solved whole."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Result, Scenario, Stability
from lcm_opt.engines import cluster
from lcm_opt.engines.assemble import assemble
from lcm_opt.errors import ScenarioError
from lcm_opt.progress import advance, phase
from lcm_opt.rules.language import RuleSet, parse_rules
from lcm_opt.services.purchase_estimate import SideBySide
from lcm_opt.services.solve import ENGINES, run
from lcm_opt.services.stable import solve_stable
from lcm_opt.services.whatif_blocks import Block, partition, solve_block
from lcm_opt.services.whatif_cluster import prefetch
from lcm_opt.services.whatif_local import Baseline, Footprint, Local, solve_local
from lcm_opt.services.whatif_merge import BlockOutcome, merge, merge_indexed
from lcm_opt.services.whatif_report import (
    Position,
    VariantReport,
    WhatIfReport,
    delta,
    local_position,
    position,
)
from lcm_opt.services.whatif_summary import Summarise, summarised

__all__ = [
    "Applied", "BlockSolver", "Footprint", "Solved", "Summarise", "WhatIfReport", "check_engine",
    "compare_variants",
]  # fmt: skip


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
        # Under `stability: prefer`, variants keep what they can of the baseline's grants.
        self.previous: Result | None = None
        self.cache: dict[str, BlockOutcome] = {}
        self._rules: dict[tuple[str, ...], RuleSet] = {}
        # Block outcomes solved ahead on a cluster (whatif_cluster.py), taken on first use.
        self.prefetched: dict[str, BlockOutcome] = {}
        self.baseline: Baseline | None = None  # set by solve(..., baseline=True)

    def solve(self, scenario: Scenario, *, baseline: bool = False) -> Solved:
        """The scenario partitioned whole; a `baseline` is kept for local variants."""
        started = time.perf_counter()
        rules = self._parsed(scenario)
        blocks = partition(scenario)
        labels = tuple(b.label for b in blocks)
        result, resolved = None, list(labels)
        if not (scenario.reservations or scenario.tracked_deployments):
            # LCM allocations add an overview merging cannot rebuild: those solve whole
            result, resolved = self._by_blocks(scenario, blocks, rules, baseline)
        full = result is None
        if result is None:
            problem = compile_scenario(scenario, rules)
            previous = self._previous(scenario)
            if previous is None:
                result = run(problem, self.engine).result
            else:
                result = assemble(problem, solve_stable(problem, previous)[0])
            resolved = list(labels)
        return Solved(result, labels, tuple(resolved), full, time.perf_counter() - started)

    def solve_variant(self, changed: Applied) -> tuple[Solved, Local | None]:
        """The variant, from the baseline's blocks when its footprint allows
        (whatif_local.py), else partitioned whole."""
        started = time.perf_counter()
        if changed.footprint is not None and self.baseline is not None:
            scenario = changed.scenario
            rules = self._parsed(scenario)

            def outcome(block: Block) -> tuple[BlockOutcome, bool]:
                return self._outcome(block, rules, scenario)

            local = solve_local(self.baseline, scenario, changed.footprint, outcome)
            if local is not None:
                seconds = time.perf_counter() - started
                return Solved(local.result, local.labels, local.resolved, False, seconds), local
        return self.solve(changed.scenario), None

    def _by_blocks(
        self, scenario: Scenario, blocks: list[Block], rules: RuleSet, baseline: bool
    ) -> tuple[Result | None, list[str]]:
        """The merged result (None when not mergeable) and the labels of blocks solved."""
        outcomes, resolved = [], []
        for block in blocks:
            outcome, solved = self._outcome(block, rules, scenario)
            if solved:
                resolved.append(block.label)
            outcomes.append(outcome)
        if not baseline:
            return merge(scenario, outcomes), resolved
        merged = merge_indexed(scenario, outcomes)
        if merged is None:
            return None, resolved
        self.baseline = Baseline(scenario, blocks, outcomes, *merged)
        return merged[0], resolved

    def _outcome(
        self, block: Block, rules: RuleSet, scenario: Scenario
    ) -> tuple[BlockOutcome, bool]:
        """The block's outcome, and whether it was solved now (not cached)."""
        outcome = self.cache.get(block.fingerprint)
        if outcome is not None:
            return outcome, False
        outcome = self.prefetched.pop(block.fingerprint, None) or solve_block(
            block, rules, self.engine, self._previous(scenario)
        )
        self.cache[block.fingerprint] = outcome
        return outcome, True

    def _previous(self, scenario: Scenario) -> Result | None:
        stable = scenario.settings.stability is Stability.PREFER and self.engine == "optimal"
        return self.previous if stable else None

    def _parsed(self, scenario: Scenario) -> RuleSet:
        lines = scenario.rules.lines
        if lines not in self._rules:
            self._rules[lines] = parse_rules(scenario.rules)
        return self._rules[lines]


@dataclass(frozen=True)
class Applied:
    """A variant scenario, built and validated by the caller (adapters/variants). With a
    footprint (what the changes touched, whatif_local.py) only the blocks it reaches are
    visited; `seconds` is what building it took, counted in the variant's run time."""

    name: str
    scenario: Scenario
    notes: tuple[str, ...] = ()  # what each change did, e.g. "removed 47 consumption(s) ..."
    footprint: Footprint | None = None
    seconds: float = 0.0


def compare_variants(
    scenario: Scenario,
    applied: Sequence[Applied],
    engine: str,
    *,
    summarise: Summarise | None = None,
) -> WhatIfReport:
    """The baseline and each variant side by side; only blocks a variant changed are
    re-solved, and each merged result equals a full solve of the variant. With `summarise`
    (how a solved problem's Result is made without its grant and deficit rows, as
    engines.assemble.summary does) the results may come without those rows
    (whatif_summary.py: the baseline is then solved whole), every other figure unchanged."""
    check_engine(engine)
    clustered = cluster.address() is not None
    if summarise is not None and not clustered:
        report = summarised(scenario, applied, engine, summarise)
        if report is not None:
            return report
    solver = BlockSolver(engine)
    with phase(f"baseline ({engine})") as step:
        if clustered:
            prefetch(solver, [(scenario, None)])
        base = solver.solve(scenario, baseline=True)
        step.summary = f"{len(base.blocks):,} blocks"
    solver.previous = base.result
    base_position = position("baseline", base.result, scenario)
    reports = []
    with phase("variants") as step:
        if clustered:
            prefetch(solver, [(changed.scenario, changed.footprint) for changed in applied])
        for changed in applied:
            reports.append(_variant_report(solver, changed, base_position, base.result))
            advance("variants", len(reports), len(applied))
        step.summary = f"{len(reports):,} variants"
    return WhatIfReport(
        scenario=scenario.name,
        engine=engine,
        blocks=base.blocks,
        baseline=base_position,
        baseline_seconds=round(base.seconds, 4),
        variants=tuple(reports),
        baseline_result=base.result,
        purchase=_purchase(scenario, base.result),
    )


def check_engine(engine: str) -> None:
    """A ScenarioError naming the accepted engines where `engine` is none of them."""
    if engine not in ENGINES:
        accepted = ", ".join(ENGINES)
        raise ScenarioError(f"unknown engine {engine!r}; accepted: {accepted}", field="engine")


def _purchase(scenario: Scenario, baseline: Result) -> SideBySide | None:
    """The baseline's purchase estimates beside the joint optimum, when it lists offers."""
    if not scenario.offers:
        return None
    from lcm_opt.services.compare import purchase_side_by_side

    greedy = run(compile_scenario(scenario), "greedy").result
    optimal = (
        baseline
        if baseline.engine == "optimal"
        else run(compile_scenario(scenario), "optimal").result
    )
    return purchase_side_by_side(scenario, greedy, optimal)


def _variant_report(
    solver: BlockSolver, changed: Applied, base: Position, base_result: Result
) -> VariantReport:
    started = time.perf_counter()
    solved, local = solver.solve_variant(changed)
    name = changed.name
    if local is None:
        pos = position(name, solved.result, changed.scenario)
        change = delta(base, base_result, pos, solved.result)
    else:
        blocks = ([o.result for o in local.dropped], [o.result for o in local.added])
        pos = local_position(name, solved.result, changed.scenario, base, blocks)
        change = delta(base, base_result, pos, solved.result, blocks)
    resolved = set(solved.resolved)
    seconds = changed.seconds + time.perf_counter() - started
    return VariantReport(
        name=name,
        changes=changed.notes,
        position=pos,
        delta=change,
        blocks_resolved=solved.resolved,
        blocks_reused=tuple(label for label in solved.blocks if label not in resolved),
        full_solve=solved.full_solve,
        seconds=round(seconds, 4),
        result=solved.result,
    )
