"""Loading the same estate from each file format, against the CSV parse floor.

    .venv/bin/python benchmarks/formats.py [--size L] [--rho 0.9]

Writes the estate's consumptions as Parquet (and, with --xlsx, as a workbook; slow to
write at L) beside the generated CSV, then in fresh processes times: the parse floor
(benchmarks/run.py: the CSV read by the standard library csv module into lists), and
`load_scenario` of the scenario with its consumptions as CSV, Parquet and XLSX. The
target: Parquet loads well under the parse floor. Single runs on a shared machine:
compare the ratios, not the seconds.

With --end-to-end, also `lcm-opt solve` (optimal, JSON written to a file) on the whole
scenario with its consumptions as CSV and as Parquet, timed from outside (wall clock and
CPU time of the process and its solver workers), each against the parse floor of the same
data in CPU time and in wall clock: the target is Parquet end to end <= 1x the CSV parse
floor. `--result-format parquet` writes the result as Parquet instead of JSON (the
Parquet-in, Parquet-out path).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def prepare(folder: Path, xlsx: bool) -> dict[str, Path]:
    """The scenario once per format (files written once, then reused)."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq
    import yaml

    base = yaml.safe_load((folder / "scenario.yaml").read_text())
    paths = {"csv": folder / "scenario.yaml"}
    parquet = folder / "consumptions.parquet"
    if not parquet.exists():
        options = pcsv.ConvertOptions(column_types=None, strings_can_be_null=True)
        table = pcsv.read_csv(folder / "consumptions.csv", convert_options=options)
        text_columns = {name: table.column(name).cast("string") for name in ("id", "custodian")
                        if name in table.column_names}  # fmt: skip
        for name, column in text_columns.items():
            table = table.set_column(table.column_names.index(name), name, column)
        pq.write_table(table, parquet)
    paths["parquet"] = _variant(folder, base, "parquet", {"parquet": parquet.name})
    # the consumptions alone (products and org for their references, no licences or rules)
    alone = {key: base[key] for key in ("name", "org", "products")}
    paths["csv, consumptions only"] = _variant(
        folder, alone, "csv-only", {"csv": "consumptions.csv"}
    )
    paths["parquet, consumptions only"] = _variant(
        folder, alone, "parquet-only", {"parquet": parquet.name}
    )
    if xlsx:
        workbook = folder / "consumptions.xlsx"
        if not workbook.exists():
            _write_xlsx(folder / "consumptions.csv", workbook)
        paths["xlsx"] = _variant(folder, base, "xlsx", {"xlsx": workbook.name})
    return paths


def _write_xlsx(source: Path, target: Path) -> None:
    import csv

    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet("Installs")
    with source.open(newline="") as handle:
        for index, row in enumerate(csv.reader(handle)):
            sheet.write_row(index, 0, row)
    book.close()


def _variant(folder: Path, base: dict[str, object], form: str, block: dict[str, str]) -> Path:
    import yaml

    path = folder / f"scenario-{form}.yaml"
    path.write_text(yaml.safe_dump({**base, "consumptions": block}, sort_keys=False))
    return path


def load_once(path: Path) -> dict[str, float]:
    import gc

    from lcm_opt.adapters.files import load_scenario

    gc.disable()
    start = time.perf_counter()
    scenario = load_scenario(path)
    return {"seconds": time.perf_counter() - start, "consumptions": len(scenario.consumptions)}


def _child(args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)  # fmt: skip
    return dict(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="L")
    parser.add_argument("--rho", type=float, default=0.9)
    parser.add_argument("--xlsx", action="store_true", help="also the estate as a workbook")
    parser.add_argument(
        "--end-to-end", action="store_true", help="also solve from CSV and from Parquet"
    )
    parser.add_argument(
        "--result-format", default="json", choices=("json", "csv", "parquet"),
        help="the result's format in --end-to-end (default json)",
    )  # fmt: skip
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        print(json.dumps(load_once(args.load)))
        return
    if args.floor:
        sys.path.insert(0, str(HERE))
        from run import parse_floor

        print(json.dumps(parse_floor(args.floor)))
        return
    sys.path.insert(0, str(HERE))
    from run import _instance

    folder = _instance(args.size, args.rho)
    paths = prepare(folder, args.xlsx)
    floors = _child(["--floor", str(folder)])
    floor = floors["read"]
    print(f"{args.size} rho={args.rho}: parse floor (csv.reader into lists) {floor:.2f}s"
          f" ({floors['read_cpu']:.2f}s CPU)")  # fmt: skip
    if args.end_to_end:
        for form in ("csv", "parquet"):
            _solve(paths[form], form, floors, args.result_format)
    for form, path in paths.items():
        measured = _child(["--load", str(path)])
        seconds = measured["seconds"]
        print(f"  load {form:27s} {seconds:6.2f}s  {int(measured['consumptions']):,} consumptions"
              f"  / parse floor {seconds / floor:.2f}")  # fmt: skip


def _solve(path: Path, form: str, floors: dict[str, float], result: str = "json") -> None:
    from measure import measured

    out = path.parent / f"result-{form}.{result}"
    cli = Path(sys.executable).parent / "lcm-opt"
    command = [str(cli), "solve", str(path), "--engine", "optimal", "--format", result]
    run = measured([*command, "-o", str(out)])
    out.unlink()
    cpu, wall = run.cpu / floors["read_cpu"], run.seconds / floors["read"]
    print(f"  solve from {form:8s} to {result:7s} end to end {run.seconds:6.2f}s wall,"
          f" {run.cpu:6.2f}s CPU, peak {run.peak_rss_mib:.0f} MiB  / parse floor: CPU {cpu:.2f},"
          f" wall {wall:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
