"""What a report is made of: every input file read into one plain dict, the *bundle*.

    {"title": str, "sources": [file names],
     "runs": {label: run},                # runs.py: one per engine result
     "comparison": {...} | None,          # documented engine vs optimum, by consumption
     "whatif": {...} | None,              # baseline and variants side by side
     "extras": {label: JSON}}             # any other JSON document, rendered generically

A scenario (or a variant file) is solved with both engines, and its variants, if any, are
compared with its baseline. A JSON file is a saved result, comparison or what-if report,
told apart by its keys; a scenario in JSON is solved like a YAML one; any other JSON object
(a purchase plan, say) is carried as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from lcm_opt.adapters.files_parse import read_document
from lcm_opt.adapters.files_variants import load_whatif_input
from lcm_opt.adapters.report.runs import (
    TOP_ROWS,
    Run,
    run_from_allocation,
    run_from_json,
)
from lcm_opt.adapters.report.validate import check_contract
from lcm_opt.adapters.variants import run_whatif
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Result, Scenario
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.base import Allocation
from lcm_opt.errors import ScenarioError
from lcm_opt.services.checker import load_result
from lcm_opt.services.churn import churn
from lcm_opt.services.compare import Comparison
from lcm_opt.services.overview import OverviewReport
from lcm_opt.services.recommend import Recommendation
from lcm_opt.services.solve import ENGINES
from lcm_opt.services.whatif import WhatIfReport

Bundle = dict[str, Any]
Progress = Callable[[str], None]
SCENARIO_KEYS = frozenset({"products", "licences", "consumptions", "base"})


def _quiet(_message: str) -> None:
    return None


def new_bundle() -> Bundle:
    return {"title": "", "sources": [], "runs": {}, "comparison": None, "whatif": None,
            "extras": {}, "purchase": {}}  # fmt: skip


def load_inputs(paths: Iterable[Path], progress: Progress = _quiet) -> Bundle:
    bundle = new_bundle()
    for path in paths:
        progress(f"reading {path}")
        add_input(bundle, path, progress)
    if not (bundle["runs"] or bundle["whatif"] or bundle["extras"] or bundle["purchase"]):
        raise ScenarioError("nothing to report: give a scenario or a result JSON file")
    return bundle


def add_input(bundle: Bundle, path: Path, progress: Progress = _quiet) -> None:
    bundle["sources"].append(path.name)
    if path.suffix.lower() != ".json":
        add_scenario_file(bundle, path, progress)
        return
    data = read_document(path)
    if kind_of(data) == "scenario":
        add_scenario_file(bundle, path, progress)
    else:
        add_document(bundle, data, label=path.stem, where=str(path))


def kind_of(data: Mapping[str, Any]) -> str:
    """comparison, whatif, result, recommendation, scenario or other, by the keys each one
    always has."""
    if "purchases" in data and "side_by_side" in data:
        return "recommendation"
    if "greedy_result" in data and "optimal_result" in data:
        return "comparison"
    if "baseline_result" in data and "variants" in data:
        return "whatif"
    if "engine" in data and "objective" in data:
        return "result"
    if "engine" in data and "overview" in data:
        return "overview"
    return "other" if SCENARIO_KEYS.isdisjoint(data) else "scenario"


CONTRACTS: dict[str, tuple[type[BaseModel], str]] = {
    "comparison": (Comparison, "comparison (compare --format json)"),
    "whatif": (WhatIfReport, "what-if report (whatif --format json)"),
    "result": (Result, "result (solve --format json)"),
    "overview": (OverviewReport, "overview (overview --format json)"),
    "recommendation": (Recommendation, "purchase plan (recommend --format json)"),
}


def add_document(
    bundle: Bundle, data: Mapping[str, Any], label: str, where: str | None = None
) -> None:
    """A result, comparison, what-if report or overview as JSON, checked against its
    contract (ScenarioError naming `where` and the field); anything else as an extra."""
    kind = kind_of(data)
    if kind in CONTRACTS:
        model, what = CONTRACTS[kind]
        check_contract(model, data, what, where or label)
    if kind == "comparison":
        _add_comparison_json(bundle, data)
    elif kind == "whatif":
        _add_whatif_json(bundle, data)
    elif kind == "recommendation":
        bundle["purchase"].update(plan=dict(data), estimates=data["side_by_side"])
    elif kind in ("result", "overview"):
        _add_run(bundle, data["engine"], run_from_json(data))
    else:
        bundle["extras"][label] = dict(data)
    bundle["title"] = bundle["title"] or str(data.get("scenario") or "")


def _add_run(bundle: Bundle, label: str, run: Run) -> None:
    runs = bundle["runs"]
    name, n = str(label), 2
    while name in runs:
        name, n = f"{label} ({n})", n + 1
    runs[name] = run


def _add_comparison_json(bundle: Bundle, data: Mapping[str, Any]) -> None:
    _add_run(bundle, "greedy", run_from_json(data["greedy_result"]))
    _add_run(bundle, "optimal", run_from_json(data["optimal_result"]))
    bundle["comparison"] = comparison_of(
        data["recovered"], data["lost"], int(data["changed_licence"])
    )
    if data.get("purchase") is not None:
        bundle["purchase"].setdefault("estimates", data["purchase"])


def comparison_of(recovered: list[str], lost: list[str], changed: int) -> dict[str, Any]:
    return {
        "recovered": len(recovered),
        "recovered_ids": list(recovered[:TOP_ROWS]),
        "lost": len(lost),
        "lost_ids": list(lost[:TOP_ROWS]),
        "changed_licence": changed,
    }


def _add_whatif_json(bundle: Bundle, data: Mapping[str, Any], *, baseline: bool = True) -> None:
    """`baseline`: add the baseline as a run too (not when the scenario's own runs are in)."""
    engine = str(data.get("engine", ""))
    if baseline:
        _add_run(bundle, f"baseline ({engine})", run_from_json(data["baseline_result"]))
    variants = []
    for v in data["variants"]:
        delta = dict(v["delta"])
        for key in ("changed_licence", "newly_covered", "newly_uncovered"):
            ids = list(delta.pop(key, ()))
            delta[key] = len(ids)
            delta[f"{key}_ids"] = ids[:TOP_ROWS]
        variants.append(
            {"name": v["name"], "changes": list(v.get("changes", ())), "position": v["position"],
             "delta": delta, "full_solve": bool(v.get("full_solve")),
             "blocks_resolved": len(v.get("blocks_resolved", ()))}
        )  # fmt: skip
    bundle["whatif"] = {"engine": engine, "baseline": data["baseline"], "variants": variants}


def add_scenario_file(bundle: Bundle, path: Path, progress: Progress = _quiet) -> None:
    loaded = load_whatif_input(path)
    add_scenario(bundle, loaded.scenario, progress)
    if loaded.scenario.variants:
        progress(f"what-if: {len(loaded.scenario.variants)} variant(s)")
        report = run_whatif(loaded.scenario, None, "optimal", base_dir=loaded.base_dir)
        _add_whatif_json(bundle, report.model_dump(mode="json"), baseline=False)


def add_scenario(bundle: Bundle, scenario: Scenario, progress: Progress = _quiet) -> None:
    """Both engines on one compiled problem, the optimiser seeded with the greedy run (as
    `compare` does); runs read straight off the records."""
    bundle["title"] = bundle["title"] or scenario.name
    progress("compiling")
    problem = compile_scenario(scenario)
    progress("solving: documented engine (greedy)")
    greedy = ENGINES["greedy"]().solve(problem)
    progress("solving: optimiser")
    optimal = ENGINES["optimal"]().solve(problem, greedy)
    progress("summarising")
    runs = {"greedy": run_from_allocation(problem, greedy)}
    runs["optimal"] = run_from_allocation(problem, optimal)
    if scenario.previous_allocation:
        previous = load_result(scenario.previous_allocation)
        for name, allocation in (("greedy", greedy), ("optimal", optimal)):
            current = assemble(problem, allocation)
            runs[name]["churn"] = churn(previous, current, scenario.previous_allocation).model_dump(
                mode="json"
            )
    for name, run in runs.items():
        _add_run(bundle, name, run)
    bundle["comparison"] = _compare_records(problem.consumption_ids, greedy, optimal)


def _compare_records(ids: tuple[str, ...], greedy: Allocation, optimal: Allocation) -> Any:
    short_g = {d.consumption for d in greedy.deficits}
    short_o = {d.consumption for d in optimal.deficits}
    held_g, held_o = _held(greedy), _held(optimal)
    changed = sum(1 for c in held_g.keys() & held_o.keys() if held_g[c] != held_o[c])
    return comparison_of(
        [ids[c] for c in sorted(short_g - short_o)],
        [ids[c] for c in sorted(short_o - short_g)],
        changed,
    )


def _held(allocation: Allocation) -> dict[int, int | frozenset[int]]:
    """Licences per covered consumption: the licence itself when there is one (nearly
    always), a set only for a split, to stay lean at a million consumptions."""
    held: dict[int, int | frozenset[int]] = {}
    for g in allocation.grants:
        before = held.get(g.consumption)
        if before is None:
            held[g.consumption] = g.licence
        elif before == g.licence:
            continue
        elif isinstance(before, int):
            held[g.consumption] = frozenset((before, g.licence))
        else:
            held[g.consumption] = before | {g.licence}
    return held
