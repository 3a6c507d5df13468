"""Churn over a year: twelve monthly snapshots of a generated estate, each re-solved against
the month before by the documented engine, the optimiser, and the optimiser with
`stability: prefer`.

    python benchmarks/months.py [--size M] [--months 12] [--seed 0]

Each month about 3 % of installs are removed and 3 % added (copies of existing rows under
new ids: the same classes, new demand), 1 % of licences expire and 1 % are new (copies of
existing ones, same scope). Per month it prints the consumptions each engine moves against
its own previous month, and checks that the two optimal runs leave the same units
uncovered. The target: stable moves at least 10x fewer than plain optimal moves.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import LicenceStatus, Result, Scenario, Settings
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.services.churn import churn
from lcm_opt.services.stable import solve_stable


def next_month(scenario: Scenario, rng: np.random.Generator, month: int) -> Scenario:
    rows = list(scenario.consumptions)
    n = len(rows)
    drop = set(rng.choice(n, size=round(0.03 * n), replace=False).tolist())
    kept = [c for i, c in enumerate(rows) if i not in drop]
    copies = rng.choice(len(kept), size=round(0.03 * n), replace=False).tolist()
    added = [
        kept[i].model_copy(update={"id": f"m{month:02d}-{j:06d}"}) for j, i in enumerate(copies)
    ]
    licences = list(scenario.licences)
    live = [i for i, lic in enumerate(licences) if lic.status is LicenceStatus.IN_SERVICE]
    expire = set(rng.choice(live, size=max(1, round(0.01 * len(licences))), replace=False).tolist())
    licences = [
        lic.model_copy(update={"status": LicenceStatus.EXPIRED}) if i in expire else lic
        for i, lic in enumerate(licences)
    ]
    sources = rng.choice(live, size=max(1, round(0.01 * len(licences))), replace=False).tolist()
    new = [
        licences[i].model_copy(update={"id": f"m{month:02d}-l{j:04d}"})
        for j, i in enumerate(sources)
    ]
    present = {c.id for c in kept}
    pins = tuple(p for p in scenario.direct_assignments if p.consumption in present)
    return scenario.model_copy(
        update={
            "consumptions": tuple(kept + added),
            "licences": tuple(licences + new),
            "direct_assignments": pins,
        }
    )


def _moved(previous: Result | None, current: Result) -> int | None:
    return None if previous is None else len(churn(previous, current, "previous").moved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="M")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        base = load_scenario(generate(args.size, Path(tmp), seed=args.seed), group=False)
    stable_settings = Settings.model_validate({**base.settings.model_dump(), "stability": "prefer"})
    scenario = base.model_copy(update={"settings": stable_settings})
    last: dict[str, Result | None] = {"greedy": None, "optimal": None, "stable": None}
    totals = {"greedy": 0, "optimal": 0, "stable": 0}
    print("month  consumptions  licences  moves: greedy  optimal  stable   uncovered units "
          "optimal = stable   seconds (stable)")  # fmt: skip
    for month in range(args.months + 1):
        if month:
            scenario = next_month(scenario, rng, month)
        problem = compile_scenario(scenario)
        greedy = assemble(problem, GreedyEngine().solve(problem))
        optimal = assemble(problem, OptimalEngine().solve(problem))
        started = time.perf_counter()
        if last["stable"] is None:
            stable = optimal
        else:
            stable = assemble(problem, solve_stable(problem, last["stable"])[0])
        seconds = time.perf_counter() - started
        moves = {
            "greedy": _moved(last["greedy"], greedy),
            "optimal": _moved(last["optimal"], optimal),
            "stable": _moved(last["stable"], stable),
        }
        same = optimal.objective.outstanding_units == stable.objective.outstanding_units
        assert same, f"month {month}: stability changed the first criterion"
        if month:
            for name, value in moves.items():
                totals[name] += value or 0
            print(f"{month:5d}  {len(scenario.consumptions):12,}  {len(scenario.licences):8,}  "
                  f"{moves['greedy']:13,}  {moves['optimal']:7,}  {moves['stable']:6,}   "
                  f"{optimal.objective.outstanding_units:7,} = "
                  f"{stable.objective.outstanding_units:<7,}        {seconds:6.2f}")  # fmt: skip
        last = {"greedy": greedy, "optimal": optimal, "stable": stable}
    ratio = totals["optimal"] / max(totals["stable"], 1)
    print(f"total moves: greedy {totals['greedy']:,}, optimal {totals['optimal']:,}, "
          f"stable {totals['stable']:,}; optimal / stable = {ratio:.1f}x "
          f"(target >= 10x: {'met' if ratio >= 10 else 'NOT MET'})")  # fmt: skip


if __name__ == "__main__":
    main()
