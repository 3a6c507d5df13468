"""Benchmark runner (docs/benchmarks.md): per size and capacity ratio, in fresh
processes, each engine end to end (`lcm-opt solve --format json -o FILE`, timed from
outside, peak RSS from the kernel), the same pipeline phase by phase, the parse floor,
and the ratios against their targets.

    python benchmarks/run.py --sizes S M                 # make bench
    python benchmarks/run.py --sizes S M L XL C-S C-M    # make bench-full

Figures are single runs on a shared machine: compare the ratios printed, not the seconds.
The parse floor is reading the consumptions CSV with the standard library csv module into
memory (`csv.reader` -> lists); a bare scan that keeps no row is
shown beside it."""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from measure import measured

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ENGINES = ("greedy", "optimal")
CLI = Path(sys.executable).parent / "lcm-opt"
FLOOR_TARGET = {"L": 2.0, "XL": 3.0, "XXL": 3.0}  # optimal end to end / parse floor
ENGINES_TARGET = 1.2  # optimal / greedy end to end, at L and XL
RSS_TARGET_MIB = {"L": 1024.0, "XL": 1024.0, "XXL": 8192.0}  # peak RSS of the optimal solve
GAP_TARGET = 0.01  # C-M within the time limit


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(scenario_path: Path, engine: str) -> dict[str, object]:
    """One engine on one scenario, phase by phase; run in its own process."""
    import gc

    from lcm_opt.adapters.cli_common import Format
    from lcm_opt.adapters.files import load_scenario
    from lcm_opt.adapters.result_stream import write_result
    from lcm_opt.compile.build import compile_scenario
    from lcm_opt.services.solve import ENGINES as REGISTRY

    gc.disable()  # as the CLI runs (cli_common.handled)
    phases: dict[str, float] = {}
    baseline = _rss_mib()
    t = time.perf_counter()
    scenario = load_scenario(scenario_path)
    phases["load"] = time.perf_counter() - t
    t = time.perf_counter()
    problem = compile_scenario(scenario)
    phases["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    allocation = REGISTRY[engine]().solve(problem)
    solve = time.perf_counter() - t
    phases["expand"] = allocation.timings.get("expand", 0.0)
    phases["solve"] = solve - phases["expand"]
    t = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        write_result(problem, allocation, Format.JSON, sink)
    phases["write"] = time.perf_counter() - t
    raw_pairs = sum(len(c.members) * len(c.edges) for c in problem.classes)
    class_pairs = sum(len(c.edges) for c in problem.classes)
    return {
        "phases": phases,
        "total": sum(phases.values()),
        "peak_rss_mib": _rss_mib(),
        "baseline_rss_mib": baseline,
        "consumptions": len(problem.consumption_ids),
        "classes": len(problem.classes),
        "raw_pairs": raw_pairs,
        "class_pairs": class_pairs,
    }


def end_to_end(scenario_path: Path, engine: str) -> dict[str, object]:
    """The command a user runs, timed from outside; peak RSS of the process tree's largest
    process as the kernel reports it (forked solver workers share the parent's pages)."""
    out = scenario_path.parent / f"result-{engine}.json"
    command = [str(CLI), "solve", str(scenario_path), "--engine", engine]
    command += ["--format", "json", "-o", str(out)]
    run = measured(command)
    result = _head(out)
    out.unlink()
    return {
        "seconds": run.seconds,
        "cpu": run.cpu,
        "peak_rss_mib": run.peak_rss_mib,
        "status": result["status"],
        "objective": result["objective"],
    }


def _head(path: Path) -> dict[str, object]:
    """The result's fields before `grants` (status, objective), without loading a file of
    a million grants into this process: a large runner would inflate the peak RSS the
    kernel reports for the children it starts afterwards."""
    with path.open(encoding="utf-8") as handle:
        text = handle.read(1 << 16)
    head = text[: text.index(',\n  "grants": ')] + "}"
    return dict(json.loads(head))


def parse_floor(scenario_dir: Path) -> dict[str, float]:
    """Reading the consumptions CSV with the standard library csv module: the parse floor."""
    path = scenario_dir / "consumptions.csv"
    t = time.perf_counter()
    with path.open(newline="") as handle:
        count = sum(1 for _ in csv.reader(handle))
    scan = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    read, read_cpu = time.perf_counter() - t, time.process_time() - cpu
    assert len(rows) == count > 0
    return {"read": read, "scan": scan, "read_cpu": read_cpu}


def _child(args: list[str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout))


def _instance(size: str, rho: float) -> Path:
    sys.path.insert(0, str(HERE))
    from generate import generate

    target = DATA / f"{size}-rho{rho}"
    if not (target / "scenario.yaml").exists():
        generate(size, target, seed=0, rho=rho)
    return target


def run(sizes: list[str], rhos: list[float], phases: bool = True) -> list[dict[str, object]]:
    rows = []
    for size in sizes:
        for rho in rhos:
            path = _instance(size, rho)
            scenario = path / "scenario.yaml"
            row: dict[str, object] = {"size": size, "rho": rho}
            row["floor"] = _child(["--floor", str(path)])
            for engine in ENGINES:
                row[engine] = _child(["--one", str(scenario), engine]) if phases else {}
                row[f"{engine}_e2e"] = end_to_end(scenario, engine)
            row["digest"] = json.loads((path / "digest.json").read_text())
            rows.append(row)
            report(row)
    return rows


def _dict(value: object) -> dict[str, object]:
    assert isinstance(value, dict)
    return value


def report(row: dict[str, object]) -> None:
    g, o = _dict(row["greedy"]), _dict(row["optimal"])
    ge, oe = _dict(row["greedy_e2e"]), _dict(row["optimal_e2e"])
    go, oo = _dict(ge["objective"]), _dict(oe["objective"])
    floor = _dict(row["floor"])
    size = str(row["size"])
    digest = _dict(row["digest"])
    print(f"\n== {size}  rho={row['rho']}  N={digest['N']:,}  classes={digest['K']:,}"
          f"  compression {digest['compression']}x"
          f" ({digest['raw_pairs']:,} raw pairs ->"
          f" {digest['class_pairs']:,} class pairs)")  # fmt: skip
    for name, m, e in (("greedy", g, ge), ("optimal", o, oe)):
        ph = _dict(m.get("phases", {}))
        print(f"  {name:8s} " + "  ".join(f"{k} {v:.2f}s" for k, v in ph.items())
              + f"  | end to end {e['seconds']:.2f}s  peak {e['peak_rss_mib']:.0f} MiB"
              + f"  status {e['status']}")  # fmt: skip
    print(
        f"  greedy leaves {go['outstanding_units'] - oo['outstanding_units']:,} more units /"
        f" {go['uncovered'] - oo['uncovered']:,} more consumptions uncovered"
        f" ({go['outstanding_units']:,} vs {oo['outstanding_units']:,});"
        f" affinity {(go['affinity'] - oo['affinity']) / max(oo['affinity'], 1):+.1%}"
    )
    if oo.get("gap") is not None:
        print(f"  optimal: bound {oo['bound']}, gap {oo['gap']:.4%}")
    e2e = float(oe["seconds"])
    ratios = {
        "optimal / parse floor": e2e / floor["read"],
        "optimal / greedy": e2e / float(ge["seconds"]),
    }
    print(
        f"  ratios: optimal/parse floor {ratios['optimal / parse floor']:.2f}"
        f" (floor: csv read {floor['read']:.2f}s; bare scan {floor['scan']:.2f}s ->"
        f" {e2e / floor['scan']:.2f}); optimal/greedy end to end {ratios['optimal / greedy']:.2f};"
        f" optimal peak {oe['peak_rss_mib']:.0f} MiB"
    )
    # On a machine shared with other work the wall clock stretches; CPU time much less.
    print(
        f"  CPU time: optimal {oe['cpu']:.2f}s, greedy {ge['cpu']:.2f}s, csv read"
        f" {floor['read_cpu']:.2f}s -> optimal/parse floor"
        f" {float(oe['cpu']) / floor['read_cpu']:.2f},"
        f" optimal/greedy {float(oe['cpu']) / float(ge['cpu']):.2f}"
    )
    _targets(size, ratios, float(oe["peak_rss_mib"]), oo, go)


def _targets(
    size: str,
    ratios: dict[str, float],
    rss: float,
    optimal: dict[str, object],
    greedy: dict[str, object],
) -> None:
    """The targets, met or not, for the sizes they apply to."""
    checks = []
    if size in FLOOR_TARGET:
        limit = FLOOR_TARGET[size]
        checks.append((f"optimal/parse floor <= {limit}", ratios["optimal / parse floor"] <= limit))
        if size != "XXL":
            checks.append(("optimal/greedy <= 1.2", ratios["optimal / greedy"] <= ENGINES_TARGET))
        rss_limit = RSS_TARGET_MIB[size]
        checks.append((f"peak RSS <= {rss_limit / 1024:.0f} GiB", rss <= rss_limit))
    if size.startswith("C-"):
        gap = float(str(optimal["gap"]))
        if size == "C-M":
            checks.append(("gap <= 1 %", gap <= GAP_TARGET))
        never_below = int(str(optimal["outstanding_units"])) <= int(
            str(greedy["outstanding_units"])
        )
        checks.append(("never below greedy coverage", never_below))
    for name, ok in checks:
        print(f"  target {name}: {'met' if ok else 'NOT MET'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["S", "M"])
    parser.add_argument("--rho", nargs="+", type=float, default=[0.9, 1.1])
    parser.add_argument("--json", type=Path, help="also write all figures here")
    parser.add_argument(
        "--end-to-end-only", action="store_true", help="skip the phase-by-phase runs"
    )
    parser.add_argument("--one", nargs=2, metavar=("SCENARIO", "ENGINE"), help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(Path(args.one[0]), args.one[1])))
        return
    if args.floor:
        print(json.dumps(parse_floor(args.floor)))
        return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, {platform.platform()}"
    )
    rows = run(args.sizes, args.rho, phases=not args.end_to_end_only)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
