"""What-if at scale (docs/benchmarks.md): one variant that changes one product (the seats of
one licence of product p0) on a generated instance, against the full solve.

    python benchmarks/whatif.py --sizes L XL [--format json]

Prints, in one run each: `lcm-opt solve` end to end; `lcm-opt whatif` end to end (it loads
and solves the baseline, then the variant); and from the what-if report the seconds of the
baseline and of the variant (building the variant from the base, solving only the blocks
its change touches, merging and comparing it with the baseline). `--format json` runs the
what-if as JSON, every result with its grant and deficit records, as `solve` writes them.
The target: the variant's own time <= 0.1 x the full solve end to end."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from measure import measured

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CLI = Path(sys.executable).parent / "lcm-opt"
TARGET = 0.1


def variant_file(instance: Path) -> Path:
    """A variant file naming the instance as its base: licence l's seats + 10, where l is
    the first licence with seats (of product p0: licences.csv lists them product by product)."""
    with (instance / "licences.csv").open(encoding="utf-8") as handle:
        next(handle)
        rows = (line.split(",")[:4] for line in handle)
        licence, _, _, seats = next(row for row in rows if row[3].isdigit())
    path = instance / "whatif-one-product.yaml"
    path.write_text(
        "base: scenario.yaml\n"
        "name: one-product\n"
        f"changes: [{{op: set, licence: {licence}, field: seats, value: {int(seats) + 10}}}]\n",
        encoding="utf-8",
    )
    return path


def _row(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if label in line)
    return [cell.strip() for cell in re.split(r"[│|]", line) if cell.strip()][1:]


_JSON_FIGURES = """import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
variant = report["variants"][0]
print(json.dumps([report["baseline_seconds"], variant["seconds"], len(variant["blocks_resolved"])]))
"""


def _figures(out: Path, fmt: str) -> tuple[float, float, str]:
    """(baseline seconds, variant seconds, blocks solved for the variant) from the report.
    A JSON report (hundreds of MB at L) is read in a child process: a child's peak RSS
    counts from this process's peak at the fork, so reading it here would inflate every
    later command's peak."""
    if fmt == "json":
        got = subprocess.run(
            [sys.executable, "-c", _JSON_FIGURES, str(out)], capture_output=True, check=True
        )
        base, variant, blocks = json.loads(got.stdout)
        return float(base), float(variant), str(blocks)
    text = out.read_text(encoding="utf-8")
    base_s, variant_s = (float(cell) for cell in _row(text, "Run time (s)"))
    return base_s, variant_s, _row(text, "Blocks solved")[1]


def run(instance: Path, fmt: str) -> None:
    scenario, variants = instance / "scenario.yaml", variant_file(instance)
    out = instance / f"result-whatif.{'json' if fmt == 'json' else 'txt'}"
    solve = measured([str(CLI), "solve", str(scenario), "--engine", "optimal", "-q",
                      "--format", "json", "-o", str(instance / "result-whatif.json")])  # fmt: skip
    (instance / "result-whatif.json").unlink()
    os.environ["COLUMNS"] = "200"  # one table row per line
    whatif = measured([str(CLI), "whatif", str(variants), "-q", "--format", fmt, "-o", str(out)])
    base_s, variant_s, blocks = _figures(out, fmt)
    out.unlink()
    ratio = variant_s / solve.seconds
    print(f"== {instance.name}: solve end to end {solve.seconds:.2f} s"
          f" ({solve.cpu:.2f} s CPU, peak {solve.peak_rss_mib:.0f} MiB);"
          f" whatif end to end {whatif.seconds:.2f} s ({whatif.cpu:.2f} s CPU,"
          f" peak {whatif.peak_rss_mib:.0f} MiB); whatif / solve CPU"
          f" {whatif.cpu / solve.cpu:.2f} ({fmt})", flush=True)  # fmt: skip
    print(f"  baseline {base_s:.2f} s, variant {variant_s:.2f} s ({blocks} blocks solved);"
          f" variant / solve end to end {ratio:.3f};"
          f" variant / baseline {variant_s / base_s:.3f};"
          f" target <= {TARGET}: {'met' if ratio <= TARGET else 'NOT MET'}",
          flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["L", "XL"])
    parser.add_argument("--rho", type=float, default=0.9)
    parser.add_argument("--format", choices=["table", "json"], default="table")
    args = parser.parse_args()
    for size in args.sizes:
        instance = DATA / f"{size}-rho{args.rho}"
        if not (instance / "scenario.yaml").exists():
            raise SystemExit(f"{instance} is missing: generate it with benchmarks/run.py first")
        run(instance, args.format)


if __name__ == "__main__":
    main()
