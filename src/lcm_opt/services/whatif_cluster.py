"""What-if blocks solved ahead on a cluster (engines/cluster.py).

Before the baseline, and again before the variants, every block the block solver would
solve for those scenarios (its fingerprint neither cached nor already queued) is shipped
to the cluster at once: the block's sub-scenario, the engine and, under `stability:
prefer`, the baseline result, sent to the workers once. The solver then takes each outcome
where it would have solved the block itself, so the report (which blocks each variant
re-solved, which it reused) and every result are the in-process ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lcm_opt.domain import Result, Scenario
from lcm_opt.engines.cluster import run_all
from lcm_opt.rules.language import RuleSet, parse_rules
from lcm_opt.services.whatif_blocks import Block, partition, solve_block
from lcm_opt.services.whatif_local import Footprint, region_of
from lcm_opt.services.whatif_merge import BlockOutcome

if TYPE_CHECKING:
    from lcm_opt.services.whatif import BlockSolver

_RULES: dict[tuple[str, ...], RuleSet] = {}  # per worker: blocks of one sweep share rules

Job = tuple[Block, str, bool]  # the block, the engine, whether it keeps to the baseline


def prefetch(solver: BlockSolver, scenarios: Sequence[tuple[Scenario, Footprint | None]]) -> None:
    """Solves on the cluster the blocks `solver` would solve for `scenarios` (each with
    its footprint, if any: then only its region's blocks), in order, leaving their
    outcomes in `solver.prefetched`."""
    jobs: dict[str, Job] = {}
    for scenario, footprint in scenarios:
        if scenario.reservations or scenario.tracked_deployments:
            continue  # solved whole (whatif.py), its components shipped by the optimiser
        stable = solver._previous(scenario) is not None
        for block in _blocks(solver, scenario, footprint):
            key = block.fingerprint
            if key not in solver.cache and key not in solver.prefetched and key not in jobs:
                jobs[key] = (block, solver.engine, stable)
    if not jobs:
        return
    shared = {"previous": solver.previous} if solver.previous is not None else {}
    outcomes = run_all(solve_job, list(jobs.values()), "blocks", shared=shared)
    solver.prefetched.update(zip(jobs, outcomes, strict=True))


def _blocks(solver: BlockSolver, scenario: Scenario, footprint: Footprint | None) -> list[Block]:
    """The blocks the solver will look up for `scenario`."""
    if footprint is not None and solver.baseline is not None:
        region = region_of(solver.baseline, scenario, footprint)
        if region is not None:
            return region.blocks
    return partition(scenario)


def solve_job(job: Job, previous: Result | None = None) -> BlockOutcome:
    """Runs on a worker: one block, as the block solver solves it in-process."""
    block, engine, stable = job
    lines = block.scenario.rules.lines
    if lines not in _RULES:
        _RULES[lines] = parse_rules(block.scenario.rules)
    return solve_block(block, _RULES[lines], engine, previous if stable else None)
