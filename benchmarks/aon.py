"""All-or-nothing (per-core) suite: lcm-opt's optimiser against a textbook raw-pair MILP.

    python benchmarks/aon.py [--quick] [--sizes 100 300 ...] [--json OUT]

For each seeded estate (benchmarks/aon_instances.py: hosts x objective x features) both
solvers start from the same compiled problem after the pin pre-pass:

* lcm-opt: `OptimalEngine().solve` in one process (LCM_OPT_PROCESSES=1), its result
  checked by the independent checker; per stage: status, bound, gap, and the wall time;
* textbook: one MILP over the raw consumption x licence pairs of the whole estate (a
  binary per host and split group, a flow per host and licence, pools, caps; the flows
  continuous, which only makes it stronger), solved by HiGHS in two lexicographic stages
  with HiGHS's default search and the same exactness settings (one thread, seed 0,
  mip_rel_gap 0, mip_abs_gap < 1), a generous node limit and a wall-clock cap per HiGHS
  run of max(20 s, 2 x lcm-opt's time): a capped peer is reported `feasible`, and its time
  ratio is then an upper bound of lcm-opt's. It goes through the same `milp.solve_milp`
  (so its stage 1 also merges identical hosts and its stage 2 also starts from the
  LP-dual bounds, which only makes it stronger than a textbook model), but without the
  divisibility rows (milp.CUTS), without the split groups' Lagrangian bound
  (milp_run.LAGRANGE) or the coverage lattice's rows (milp_affinity.LATTICE), without
  merging hosts that rank the same licences in a different order (milp.ANY_ORDER),
  without trying both stages as one MILP (milp.JOINT) or breaking ties among equal
  optima (milp_ties.TIES), and with HiGHS's heuristics on from the start.

Printed per instance: sizes, both stage statuses, first-criterion values (they must agree
when both prove), both times and their ratio; then the proven share and the time ratios.
Times are wall-clock and process CPU time of one run on a shared machine (a solve under SHORT
seconds is repeated and its mean taken): compare ratios, not seconds; under heavy load the
CPU-time ratio is the steadier of the two (both solvers counted over all threads).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from aon_instances import FEATURES, RULES, instance  # noqa: E402

from lcm_opt.compile.build import compile_scenario  # noqa: E402
from lcm_opt.compile.problem import Problem  # noqa: E402
from lcm_opt.engines import milp, milp_affinity, milp_run, milp_ties  # noqa: E402
from lcm_opt.engines.assemble import assemble  # noqa: E402
from lcm_opt.engines.base import Remaining  # noqa: E402
from lcm_opt.engines.components import subproblems  # noqa: E402
from lcm_opt.engines.optimal import OptimalEngine  # noqa: E402
from lcm_opt.engines.pins import apply_pins  # noqa: E402
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem  # noqa: E402
from lcm_opt.errors import EngineError  # noqa: E402
from lcm_opt.services.checker import check_result  # noqa: E402

T = TypeVar("T")
OBJECTIVES = ("units", "cost", "count")
VARIANTS: tuple[tuple[str, ...], ...] = ((), ("downgrades", "pins"), ("lcm",), FEATURES)
SIZES = (100, 300, 1000, 3000, 10000)
PEER_NODES_S = 600.0  # the textbook MILP's node limit: NODES_PER_SECOND x this
SHORT = 2.0  # seconds: quicker solves are repeated and their mean time reported
PEER_WALL = (20.0, 2.0)  # its wall-clock cap per stage: max(a, b x lcm-opt's time)


def raw_subproblem(problem: Problem) -> tuple[SubProblem, int]:
    """The whole estate after pins as one SubProblem with a class per host: exactly the
    textbook model's variables (no compression, no components); and the pins' affinity."""
    remaining = Remaining(problem)
    pins = apply_pins(problem, remaining)
    free = {
        k: [c for c in cls.members if c not in pins.covered]
        for k, cls in enumerate(problem.classes)
    }
    count, edges, weight, product = {}, {}, {}, {}
    licences: set[int] = set()
    caps: dict[tuple[int, int], int] = {}
    capacity: dict[int, int | None] = {}
    n = 0
    for sub in subproblems(problem, free, remaining):
        for k in sub.classes:
            for _ in range(sub.count[k]):
                count[n], edges[n], weight[n] = 1, sub.edges[k], sub.weight[k]
                product[n] = sub.product[k]
                n += 1
        licences.update(sub.licences)
        capacity.update(sub.capacity)
        caps.update(sub.caps)
    raw = SubProblem(
        classes=tuple(range(n)), count=count, edges=edges, licences=tuple(sorted(licences)),
        capacity=capacity, weight=weight, max_score=0, caps=caps, product=product,
    )  # fmt: skip
    return raw, sum(g.score * g.units for g in pins.grants)


def _stages(result: Any) -> list[str]:
    return [s.status for s in result.objective.stages or ()]


def _peer(raw: SubProblem) -> ComponentSolution | None:
    try:
        return milp.solve_milp(raw, time_limit_s=PEER_NODES_S, seed=0) if raw.classes else None
    except EngineError:  # its wall-clock cap: reported `feasible`
        return None


def _timed(solve: Callable[[], T]) -> tuple[T, float, float]:
    """solve() and its mean wall and process CPU time; a solve under SHORT seconds is
    repeated (same answer: the solvers are deterministic) until the runs add up to SHORT,
    so that sub-second ratios are not one timer tick against another."""
    runs, wall, cpu = 0, 0.0, 0.0
    while True:
        started, cpu0 = time.perf_counter(), time.process_time()
        out = solve()
        wall, cpu, runs = (
            wall + time.perf_counter() - started,
            cpu + time.process_time() - cpu0,
            runs + 1,
        )
        if wall >= SHORT or runs >= 50:
            return out, wall / runs, cpu / runs


def run_one(
    hosts: int,
    objective: str,
    features: tuple[str, ...],
    seed: int,
    peer_cap: float = PEER_WALL[1],
) -> dict[str, Any]:
    rules = tuple((ROOT / RULES).read_text(encoding="utf-8").splitlines())
    scenario = instance(hosts, objective, features, seed, rules=rules)
    problem = compile_scenario(scenario)
    allocation, ours_s, ours_cpu = _timed(lambda: OptimalEngine().solve(problem))
    result = assemble(problem, allocation)
    violations = check_result(scenario, result)
    raw, pinned = raw_subproblem(problem)
    guard, tuning, cuts, columns = milp_run.GUARD, milp_run.TUNING, milp.CUTS, milp_run.COLUMNS
    milp_run.GUARD = (max(PEER_WALL[0], peer_cap * ours_s), 0.0)
    milp_run.TUNING, milp.CUTS = {}, False  # HiGHS's defaults, the model as written
    milp_run.LAGRANGE = False  # and no bound beyond HiGHS's own
    milp_affinity.LATTICE = False  # nor rows beyond the model as written
    milp.ANY_ORDER = False  # its stage 1 merges identical hosts only
    milp_run.COLUMNS = 10**9  # its own node limit whatever the model's size
    joint, milp.JOINT = milp.JOINT, False  # the two stages, as written
    milp_ties.TIES = False  # and whichever of equal optima HiGHS returns
    try:
        peer, peer_s, peer_cpu = _timed(lambda: _peer(raw))
    finally:
        milp_run.GUARD, milp_run.TUNING, milp.CUTS, milp_run.COLUMNS = guard, tuning, cuts, columns
        milp.ANY_ORDER = milp_run.LAGRANGE = milp_affinity.LATTICE = True
        milp.JOINT, milp_ties.TIES = joint, True
    o = result.objective
    return {
        "name": scenario.name,
        "hosts": hosts,
        "classes": len(problem.classes),
        "objective": objective,
        "features": "+".join(features) or "plain",
        "status": result.status.value,
        "stages": _stages(result),
        "bounds": [(s.bound, s.gap) for s in o.stages or ()],
        "uncovered": o.uncovered,
        "outstanding_units": o.outstanding_units,
        "affinity": o.affinity,
        "checker": violations[:3],
        "time_s": round(ours_s, 3),
        "peer_stages": [
            "optimal" if peer is not None and peer.primary_optimal else "feasible",
            "optimal" if peer is not None and peer.affinity_optimal else "feasible",
        ],
        "peer_affinity": None if peer is None else peer.affinity + pinned,
        "peer_time_s": round(peer_s, 3),
        "ratio": round(ours_s / max(peer_s, 1e-9), 3),
        "cpu_s": round(ours_cpu, 3),
        "peer_cpu_s": round(peer_cpu, 3),
        "cpu_ratio": round(ours_cpu / max(peer_cpu, 1e-9), 3),
    }


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("LCM_OPT_PROCESSES", "1")  # the suite times one process
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--quick", action="store_true", help="one objective, plain and all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--peer-cap", type=float, default=PEER_WALL[1], metavar="B",
        help="the textbook MILP's wall-clock cap per HiGHS run: max(20 s, B x lcm-opt's time)",
    )  # fmt: skip
    parser.add_argument(
        "--no-joint", action="store_true",
        help="lcm-opt never tries both stages as one MILP (milp.JOINT off)",
    )  # fmt: skip
    parser.add_argument(
        "--only", nargs="+", default=(), metavar="NAME",
        help="run only the instances whose name contains one of these strings",
    )  # fmt: skip
    args = parser.parse_args(argv)
    milp.JOINT = not args.no_joint
    run_one(30, "units", (), 0)  # warm-up: imports and first-use costs are not timed
    rows = []
    for hosts in args.sizes:
        variants = VARIANTS if hosts <= 300 else (VARIANTS[0], VARIANTS[-1])
        if args.quick or hosts >= 3000:
            variants = (VARIANTS[-1],)
        for objective in OBJECTIVES[:1] if args.quick else OBJECTIVES:
            for features in variants:
                variant = "+".join(features) or "plain"
                name = f"aon-{hosts}-{objective}-{variant}-s{args.seed + hosts}"
                if args.only and not any(part in name for part in args.only):
                    continue
                row = run_one(hosts, objective, features, args.seed + hosts, args.peer_cap)
                rows.append(row)
                print(_line(row), flush=True)
                if args.json:  # after each instance: a long run interrupted keeps its rows
                    args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    _summary(rows)


def _line(r: dict[str, Any]) -> str:
    agree = "" if r["peer_affinity"] in (None, r["affinity"]) else " AFFINITY-DIFFERS"
    bad = " CHECKER: " + "; ".join(r["checker"]) if r["checker"] else ""
    return (
        f"{r['name']:<44} K={r['classes']:>5} ours {'/'.join(r['stages'])} {r['time_s']:>7.2f}s"
        f"  peer {'/'.join(r['peer_stages'])} {r['peer_time_s']:>7.2f}s  ratio {r['ratio']:.3f}"
        f" (CPU {r['cpu_ratio']:.3f})"
        f"{agree}{bad}"
    )


def _summary(rows: list[dict[str, Any]]) -> None:
    n = len(rows)
    proven = sum(r["stages"] == ["optimal", "optimal"] for r in rows)
    peer = sum(r["peer_stages"] == ["optimal", "optimal"] for r in rows)
    ratios = [r["ratio"] for r in rows]
    print(
        f"\n{n} instances: lcm-opt proves both stages on {proven} ({100 * proven / n:.0f} %), "
        f"the textbook MILP on {peer} ({100 * peer / n:.0f} %)"
    )
    print(
        f"time ratio lcm-opt / textbook: median {statistics.median(ratios):.3f}, "
        f"max {max(ratios):.3f}, instances with ratio <= 1: {sum(x <= 1 for x in ratios)}/{n}; "
        f"total {sum(r['time_s'] for r in rows):.1f} s "
        f"vs {sum(r['peer_time_s'] for r in rows):.1f} s"
    )
    cpu = [r["cpu_ratio"] for r in rows]
    print(
        f"CPU-time ratio (the fairer one on a loaded machine): median "
        f"{statistics.median(cpu):.3f}, max {max(cpu):.3f}, <= 1: {sum(x <= 1 for x in cpu)}/{n}"
    )
    print(f"checker violations: {sum(bool(r['checker']) for r in rows)}")


if __name__ == "__main__":
    main()
