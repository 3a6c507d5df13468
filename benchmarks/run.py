"""Benchmark runner (performance.md §5): per size and capacity ratio, each engine in a
fresh process; phases, peak RSS, compression ratio and the greedy-vs-optimal gap.

    python benchmarks/run.py --sizes S M            # make bench
    python benchmarks/run.py --sizes S M L XL C-S C-M   # make bench-full

Figures are single runs on a shared machine: compare the ratios printed, not the seconds."""

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

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ENGINES = ("greedy", "optimal")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(scenario_path: Path, engine: str) -> dict[str, object]:
    """One engine on one scenario, phase by phase; run in its own process."""
    from lcm_opt.adapters.files import load_scenario
    from lcm_opt.adapters.render import to_json
    from lcm_opt.compile.build import compile_scenario
    from lcm_opt.engines.assemble import assemble
    from lcm_opt.services.solve import ENGINES as REGISTRY

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
    result = assemble(problem, allocation)
    (Path(os.devnull)).write_text(to_json(result))
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
        "status": result.status.value,
        "objective": result.objective.model_dump(),
    }


def parse_floor(scenario_dir: Path) -> float:
    """Reading the consumptions CSV with the standard library csv module (§4 floor)."""
    t = time.perf_counter()
    with (scenario_dir / "consumptions.csv").open(newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle))
    assert rows > 0
    return time.perf_counter() - t


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


def run(sizes: list[str], rhos: list[float]) -> list[dict[str, object]]:
    rows = []
    for size in sizes:
        for rho in rhos:
            path = _instance(size, rho)
            row: dict[str, object] = {"size": size, "rho": rho}
            row["floor"] = _child(["--floor", str(path)])["seconds"]
            for engine in ENGINES:
                row[engine] = _child(["--one", str(path / "scenario.yaml"), engine])
            row["digest"] = json.loads((path / "digest.json").read_text())
            rows.append(row)
            report(row)
    return rows


def report(row: dict[str, object]) -> None:
    g, o = row["greedy"], row["optimal"]
    assert isinstance(g, dict) and isinstance(o, dict)
    go, oo = g["objective"], o["objective"]
    floor = float(str(row["floor"]))
    print(f"\n== {row['size']}  rho={row['rho']}  N={o['consumptions']:,}  classes={o['classes']:,}"
          f"  compression {o['raw_pairs'] / max(o['class_pairs'], 1):.1f}x"
          f" ({o['raw_pairs']:,} raw pairs -> {o['class_pairs']:,} class pairs)")  # fmt: skip
    for name, m in (("greedy", g), ("optimal", o)):
        ph = m["phases"]
        print(f"  {name:8s} " + "  ".join(f"{k} {v:.3f}s" for k, v in ph.items())
              + f"  | total {m['total']:.3f}s  peak {m['peak_rss_mib']:.0f} MiB"
              + f"  status {m['status']}")  # fmt: skip
    cov_gap = go["uncovered"] - oo["uncovered"]
    units_gap = go["outstanding_units"] - oo["outstanding_units"]
    aff = (go["affinity"] - oo["affinity"]) / max(oo["affinity"], 1)
    print(
        f"  greedy leaves {units_gap:,} more units / {cov_gap:,} more consumptions uncovered"
        f" ({go['outstanding_units']:,} vs {oo['outstanding_units']:,}); affinity {aff:+.1%}"
    )
    print(
        f"  ratios: optimal/greedy end to end {o['total'] / g['total']:.2f};"
        f" optimal/parse floor {o['total'] / floor:.2f} (floor {floor:.3f}s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["S", "M"])
    parser.add_argument("--rho", nargs="+", type=float, default=[0.9, 1.1])
    parser.add_argument("--json", type=Path, help="also write all figures here")
    parser.add_argument("--one", nargs=2, metavar=("SCENARIO", "ENGINE"), help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(Path(args.one[0]), args.one[1])))
        return
    if args.floor:
        print(json.dumps({"seconds": parse_floor(args.floor)}))
        return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    rows = run(args.sizes, args.rho)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
