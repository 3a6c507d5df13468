"""What an engineer would write instead of lcm-opt, on the same instances (docs/benchmarks.md):

* **highs-lp**: the raw-pair LP, one variable per eligible (consumption, licence) pair, one
  row per consumption (covered at most once) and per licence (its seats), solved by HiGHS
  (highspy) with one weighted objective (coverage first, then affinity: the weight W is
  larger than any affinity difference, as lcm-opt's flow encoding does);
* **networkx**: networkx's network simplex on the class graph (source -> class -> licence
  -> sink, plus an "uncovered" arc per class), with the same weighted costs.

Both are handed lcm-opt's compiled problem after the pin pre-pass (the eligible pairs, their
scores, the seats left): loading the files and evaluating the rules are free for them, and
only building their model and solving it is timed, against lcm-opt's whole `solve` command.
Each peer runs in its own process and is stopped at the time limit.

    python benchmarks/peers.py --sizes L XL --time-limit 300

Installs estates only (every edge asks one unit)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from measure import measured

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CLI = Path(sys.executable).parent / "lcm-opt"
PEERS = ("highs-lp", "networkx")


class _Free:
    """The part of the problem left after pins, as arrays: per class its free members and
    its edges (CSR), per licence its seats left (-1 = unlimited)."""

    def __init__(self, scenario: Path) -> None:
        from lcm_opt.adapters.files import load_scenario
        from lcm_opt.compile.build import compile_scenario
        from lcm_opt.domain import DirectOverflow
        from lcm_opt.engines.base import Remaining
        from lcm_opt.engines.pins import apply_pins

        problem = compile_scenario(load_scenario(scenario))
        remaining = Remaining(problem)
        pins = apply_pins(problem, remaining)
        deficit = problem.scenario.settings.direct_overflow is DirectOverflow.DEFICIT
        settled = pins.covered | (pins.failed if deficit else set())  # as the optimiser does
        count, ptr, lic, score = [], [0], [], []
        for cls in problem.classes:
            edges = cls.edges
            if not edges:
                continue
            assert all(e.units == 1 for e in edges), "installs estates only"
            count.append(sum(1 for c in cls.members if c not in settled))
            lic += [e.licence for e in edges]
            score += [e.score for e in edges]
            ptr.append(len(lic))
        self.count = np.array(count, dtype=np.int64)
        self.ptr = np.array(ptr, dtype=np.int64)
        self.lic = np.array(lic, dtype=np.int64)
        self.score = np.array(score, dtype=np.int64)
        seats = [remaining.left(li) for li in range(len(problem.licence_ids))]
        self.seats = np.array([-1 if s is None else s for s in seats], dtype=np.int64)
        self.pinned = len(pins.covered)
        self.pin_affinity = sum(g.score * g.units for g in pins.grants)
        self.consumptions = len(problem.consumption_ids)
        total = int(self.count.sum())
        spread = max(int(self.score.max(initial=0)), 0) - min(int(self.score.min(initial=0)), 0)
        self.big_w = spread * total + 1


def _highs(free: _Free, time_limit: float) -> dict[str, object]:
    import highspy

    deg = np.diff(free.ptr)
    per_class = free.count * deg
    n_var = int(per_class.sum())
    var_class = np.repeat(np.arange(len(deg)), per_class)
    within = np.arange(n_var) - np.repeat(np.cumsum(per_class) - per_class, per_class)
    member = np.repeat(np.cumsum(free.count) - free.count, per_class) + within // deg[var_class]
    edge = free.ptr[:-1][var_class] + within % deg[var_class]
    n_cons = int(free.count.sum())
    rows = np.empty(2 * n_var, dtype=np.int32)
    rows[0::2], rows[1::2] = member, n_cons + free.lic[edge]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_var, n_cons + len(free.seats)
    lp.col_cost_ = (free.big_w + free.score[edge]).astype(np.float64)
    lp.col_lower_, lp.col_upper_ = np.zeros(n_var), np.ones(n_var)
    lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
    seats = np.where(free.seats < 0, highspy.kHighsInf, free.seats.astype(np.float64))
    lp.row_upper_ = np.concatenate([np.ones(n_cons), seats])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * n_var + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = rows
    lp.a_matrix_.value_ = np.ones(2 * n_var)
    lp.sense_ = highspy.ObjSense.kMaximize
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", 1)
    built = time.perf_counter()
    h.passModel(lp)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    status = h.modelStatusToString(h.getModelStatus())
    covered = round(float(x.sum())) if len(x) else 0
    affinity = round(float((free.score[edge] * x).sum())) if len(x) else 0
    return {"variables": n_var, "status": status, "covered": covered, "affinity": affinity,
            "built": built}  # fmt: skip


def _networkx(free: _Free, time_limit: float) -> dict[str, object]:
    import networkx as nx

    del time_limit  # network simplex has none: the parent stops it
    deg = np.diff(free.ptr)
    total = int(free.count.sum())
    graph = nx.DiGraph()
    graph.add_node("s", demand=-total)
    graph.add_node("t", demand=total)
    klass = np.repeat(np.arange(len(deg)), deg)
    graph.add_edges_from(
        ("s", ("k", k), {"capacity": n, "weight": 0}) for k, n in enumerate(free.count.tolist())
    )
    graph.add_edges_from(
        (("k", k), "t", {"capacity": n, "weight": 0}) for k, n in enumerate(free.count.tolist())
    )
    graph.add_edges_from(
        (("k", k), ("l", li), {"capacity": int(free.count[k]), "weight": -(free.big_w + s)})
        for k, li, s in zip(klass.tolist(), free.lic.tolist(), free.score.tolist(), strict=True)
    )
    graph.add_edges_from(
        (("l", li), "t", {"capacity": total if s < 0 else min(s, total), "weight": 0})
        for li, s in enumerate(free.seats.tolist())
        if graph.has_node(("l", li))
    )
    built = time.perf_counter()
    _, flows = nx.network_simplex(graph)
    covered = affinity = 0
    for k, li, s in zip(klass.tolist(), free.lic.tolist(), free.score.tolist(), strict=True):
        f = flows[("k", k)][("l", li)]
        covered, affinity = covered + f, affinity + s * f
    return {"arcs": graph.number_of_edges(), "status": "Optimal", "covered": covered,
            "affinity": affinity, "built": built}  # fmt: skip


def child(peer: str, scenario: Path, time_limit: float) -> None:
    """Prints `ready` once the problem is compiled (the parent's clock starts there), then
    the peer's figures as JSON."""
    free = _Free(scenario)
    print("ready", flush=True)
    start = time.perf_counter()
    out = (_highs if peer == "highs-lp" else _networkx)(free, time_limit)
    end = time.perf_counter()
    built = float(str(out.pop("built")))
    out |= {"build_s": built - start, "solve_s": end - built, "seconds": end - start}
    out["uncovered"] = free.consumptions - free.pinned - int(str(out["covered"]))
    out["affinity"] = free.pin_affinity + int(str(out["affinity"]))  # as lcm-opt counts it
    print(json.dumps(out), flush=True)


def run_peer(peer: str, scenario: Path, time_limit: float) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", peer, str(scenario), str(time_limit)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.wait()
        raise SystemExit(f"{peer} failed before its model was built")
    try:
        out, _ = process.communicate(timeout=time_limit + 5)  # HiGHS stops itself at the limit
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return {"status": f"stopped at the time limit ({time_limit:.0f} s)", "seconds": None}
    return dict(json.loads(out.strip().splitlines()[-1]))  # after HiGHS's banner


def lcm_opt(scenario: Path) -> dict[str, object]:
    out = scenario.parent / "result-peers.json"
    command = [str(CLI), "solve", str(scenario), "--engine", "optimal", "--format", "json"]
    run = measured([*command, "-o", str(out)])
    with out.open(encoding="utf-8") as handle:
        head = handle.read(1 << 16)
    out.unlink()
    objective = json.loads(head[: head.index(',\n  "grants": ')] + "}")["objective"]
    return {"seconds": run.seconds, "uncovered": objective["uncovered"],
            "affinity": objective["affinity"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["L", "XL"])
    parser.add_argument("--rho", type=float, default=0.9)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per peer")
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=list(PEERS))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), float(args.child[2]))
        return
    for size in args.sizes:
        scenario = DATA / f"{size}-rho{args.rho}" / "scenario.yaml"
        if not scenario.exists():
            raise SystemExit(f"{scenario} is missing: generate it with benchmarks/run.py first")
        ours = lcm_opt(scenario)
        print(f"== {size} rho={args.rho}: lcm-opt solve end to end {ours['seconds']:.2f} s,"
              f" uncovered {ours['uncovered']:,}", flush=True)  # fmt: skip
        for peer in args.peers:
            got = run_peer(peer, scenario, args.time_limit)
            if got["seconds"] is None:
                bound = args.time_limit / float(str(ours["seconds"]))
                print(f"  {peer:9s} {got['status']}: ratio > {bound:.1f}", flush=True)
                continue
            ratio = float(str(got["seconds"])) / float(str(ours["seconds"]))
            same = "same" if got["uncovered"] == ours["uncovered"] else "DIFFERENT"
            print(f"  {peer:9s} build {got['build_s']:.2f} s + solve {got['solve_s']:.2f} s"
                  f" = {got['seconds']:.2f} s -> {ratio:.2f}x lcm-opt; status {got['status']},"
                  f" uncovered {got['uncovered']:,} ({same}), affinity {got['affinity']:,}"
                  f" vs {ours['affinity']:,}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
