"""The Python API: what `from lcm_opt import ...` offers a notebook or a script.

Each function takes a scenario as a loaded `Scenario` or as the path of a scenario file,
runs the same services as the command line and returns the same pydantic models, so
`result.model_dump_json(indent=2)` is the JSON `lcm-opt solve --format json` writes (that
command adds a final newline). Bad input raises `ScenarioError` (`ScenarioErrors` when
there are several), whose message names the file, the row and the field; a solver failure
raises `EngineError`. Nothing is printed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, get_args

from lcm_opt.adapters import files
from lcm_opt.adapters.files_variants import load_whatif_input
from lcm_opt.adapters.variants import run_whatif
from lcm_opt.domain import Result, Scenario
from lcm_opt.errors import ScenarioError
from lcm_opt.services.checker import check_result, load_result
from lcm_opt.services.compare import Comparison
from lcm_opt.services.compare import compare as compare_engines
from lcm_opt.services.overview import OverviewReport
from lcm_opt.services.overview import overview as overview_of
from lcm_opt.services.solve import solve as solve_scenario
from lcm_opt.services.whatif import WhatIfReport

__all__ = [
    "EngineName",
    "PathLike",
    "check",
    "compare",
    "load_scenario",
    "overview",
    "solve",
    "whatif",
]

EngineName = Literal["greedy", "optimal"]
"""`greedy`: the documented engine, rule by rule; `optimal`: the optimiser."""

PathLike = str | os.PathLike[str]


def load_scenario(path: PathLike) -> Scenario:
    """Read a scenario file (YAML or JSON, with its CSV or JSON Lines sections) and validate
    it. Raises ScenarioError naming the file, the row or YAML path and the field."""
    return files.load_scenario(Path(path))


def _scenario(scenario: Scenario | PathLike) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _engine(engine: str) -> str:
    accepted = get_args(EngineName)
    if engine not in accepted:
        raise ScenarioError(
            f"unknown engine {engine!r}; accepted: {', '.join(accepted)}", field="engine"
        )
    return engine


def solve(scenario: Scenario | PathLike, engine: EngineName = "greedy") -> Result:
    """Allocate licences to consumptions with one engine (default: the documented one, as
    `lcm-opt solve`). The result carries the grants, the deficits with their reasons, the
    licensing position per product and per licence, and, when the scenario names a
    `previous_allocation`, the churn against it."""
    loaded = _scenario(scenario)
    path = loaded.previous_allocation
    previous = load_result(Path(path)) if path else None
    return solve_scenario(loaded, _engine(engine), previous)


def compare(scenario: Scenario | PathLike) -> Comparison:
    """Both engines on the same compiled problem: totals side by side, outstanding units
    per product, the consumptions the optimiser recovers, and both full results
    (`greedy_result`, `optimal_result`)."""
    return compare_engines(_scenario(scenario))


def whatif(
    scenario: Scenario | PathLike,
    variants: Sequence[str] | None = None,
    engine: EngineName = "optimal",
) -> WhatIfReport:
    """The baseline and each variant side by side (default: every variant), re-solving only
    the blocks a variant touches. `scenario` is a scenario with a `variants` block, or the
    path of such a file or of a variant file naming its `base`. `set_rules` paths resolve
    against that file's folder (against the working directory for a Scenario object)."""
    names = None if variants is None else list(variants)
    if isinstance(scenario, Scenario):
        return run_whatif(scenario, names, _engine(engine), base_dir=Path.cwd())
    loaded = load_whatif_input(Path(scenario))
    return run_whatif(loaded.scenario, names, _engine(engine), base_dir=loaded.base_dir)


def overview(scenario: Scenario | PathLike, engine: EngineName = "greedy") -> OverviewReport:
    """The LCM Allocations Overview (per licence with a Track Deployment or a Custom
    Reservation, and per contract) computed from what `engine` granted."""
    return overview_of(_scenario(scenario), _engine(engine))


def check(scenario: Scenario | PathLike, result: Result | PathLike) -> list[str]:
    """Verify `result` (a Result, or the path of a result JSON file) against `scenario`
    independently of the engines: eligibility, capacities, all-or-nothing coverage, pins,
    deficit reasons, totals and order. Returns every violation; an empty list means the
    allocation is feasible and its figures are right."""
    checked = result if isinstance(result, Result) else load_result(Path(result))
    return check_result(_scenario(scenario), checked)
