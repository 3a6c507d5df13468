"""Report and workbook benchmark: size and time of `lcm-opt report` on the demo estate and
on the generated L estate (1M installs, aggregated: the page shows totals and top rows), and
the streamed workbook of L's optimal solve (`solve --format xlsx`), each command timed from
outside with its peak RSS from the kernel.

    python benchmarks/report.py                # demo only
    python benchmarks/report.py --sizes L      # demo, then L (generated on first use)

Target: the demo report under 3 MB. Single runs on a shared machine: compare ratios."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from measure import measured

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLI = Path(sys.executable).parent / "lcm-opt"
DEMO = ROOT / "scenarios" / "demo" / "demo.yaml"
DEMO_TARGET_BYTES = 3 * 1024 * 1024


def row(label: str, command: list[str], out: Path) -> dict[str, float]:
    run = measured(command)
    seconds, rss = run.seconds, run.peak_rss_mib
    size = out.stat().st_size
    print(f"{label:<44} {size / 1e6:9.2f} MB {seconds:8.2f} s {rss:8.0f} MiB", flush=True)
    return {"bytes": size, "seconds": seconds, "rss": rss}


def demo(work: Path) -> None:
    page = work / "demo-report.html"
    found = row("report demo.yaml (both engines + what-if)",
                [str(CLI), "report", str(DEMO), "-o", str(page)], page)  # fmt: skip
    compare = work / "demo-compare.json"
    subprocess.run([str(CLI), "compare", str(DEMO), "--format", "json", "-o", str(compare)],
                   check=True)  # fmt: skip
    row("report of compare --format json", [str(CLI), "report", str(compare), "-o", str(page)],
        page)  # fmt: skip
    book = work / "demo.xlsx"
    row("compare --format xlsx", [str(CLI), "compare", str(DEMO), "--format", "xlsx", "-o",
                                  str(book)], book)  # fmt: skip
    verdict = "met" if found["bytes"] < DEMO_TARGET_BYTES else "NOT MET"
    print(f"demo report {found['bytes'] / 1e6:.2f} MB, target < 3 MB: {verdict}")


def large(size: str, work: Path) -> None:
    sys.path.insert(0, str(HERE))
    from run import _instance

    scenario = _instance(size, 0.9) / "scenario.yaml"
    page = work / f"{size}-report.html"
    r = row(f"report {size} (both engines, aggregated)",
            [str(CLI), "report", str(scenario), "-o", str(page)], page)  # fmt: skip
    out = work / f"{size}.json"
    s = row(f"solve {size} --engine optimal --format json",
            [str(CLI), "solve", str(scenario), "--engine", "optimal", "--format", "json",
             "-o", str(out)], out)  # fmt: skip
    book = work / f"{size}.xlsx"
    x = row(f"solve {size} --engine optimal --format xlsx",
            [str(CLI), "solve", str(scenario), "--engine", "optimal", "--format", "xlsx",
             "-o", str(book)], book)  # fmt: skip
    print(f"{size}: report ÷ optimal json solve: {r['seconds'] / s['seconds']:.2f} (time), "
          f"xlsx ÷ json solve: {x['seconds'] / s['seconds']:.2f} (time), "
          f"{x['rss'] / s['rss']:.2f} (peak RSS)")  # fmt: skip
    for path in (out, book):
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=[], help="generated sizes, e.g. L")
    parser.add_argument("--out", type=Path, default=HERE / "data" / "report")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'command':<44} {'output':>12} {'time':>10} {'peak RSS':>12}")
    demo(args.out)
    for size in args.sizes:
        large(size, args.out)


if __name__ == "__main__":
    main()
