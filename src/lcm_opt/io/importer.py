"""`lcm-opt import`: a scenario skeleton from exports and a mapping file (README). Paths in
the mapping and the exports are rewritten relative to the written scenario, which is then
loaded to report what could not be mapped."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lcm_opt.adapters.files import CONSUMPTION_FILES, LICENCE_FILES, scenario_from_mapping
from lcm_opt.adapters.files_errors import Problems, fail
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.licences import Licence
from lcm_opt.errors import ScenarioErrors
from lcm_opt.io.blocks import table_block
from lcm_opt.io.recognise import RECOGNITION_FIELDS, file_entry
from lcm_opt.io.sources import open_sheet

_FORMS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".jsonl": "jsonl"}
_SECTIONS = {"consumptions": CONSUMPTION_FILES, "licences": LICENCE_FILES}


@dataclass
class ImportReport:
    scenario: dict[str, Any]
    header: str
    notes: list[str] = field(default_factory=list)
    errors: ScenarioErrors | None = None


def _relative(path: Path, to: Path) -> str:
    return Path(os.path.relpath(path.resolve(), to.resolve())).as_posix()


def build(exports: list[Path], mapping_path: Path, output: Path) -> ImportReport:
    """The scenario the exports and the mapping make, written nowhere yet; raises
    ScenarioErrors when the mapping itself is wrong."""
    scenario = dict(read_document(mapping_path))  # its sections filled, the rest as it is
    here, there = mapping_path.parent, output.parent
    for export in exports:
        if not export.is_file():
            raise fail("export file not found", where=str(export))
    notes: list[str] = []
    for key, value in scenario.items():
        if key in _SECTIONS and isinstance(value, Mapping):
            scenario[key] = block = _block(key, value, exports, mapping_path, there)
            notes += _unmapped(key, there, block)
    rules = scenario.get("rules")
    if isinstance(rules, str) and (here / rules).is_file():
        scenario["rules"] = _relative(here / rules, there)
    names = " ".join(_relative(export, there) for export in exports)
    header = (
        f"# Written by lcm-opt import from {names}\n"
        f"# with the mapping {_relative(mapping_path, there)}; edit freely.\n"
    )
    return ImportReport(scenario, header, notes)


def _block(
    section: str, spec: Mapping[str, Any], exports: list[Path], mapping_path: Path, there: Path
) -> dict[str, Any]:
    """The section's block: the first export whose name matches `export:` (a glob, in any
    case; the first export without one), in the form its suffix says, and the options."""
    forms, pattern = _SECTIONS[section], spec.get("export")
    glob = "*" if pattern is None else str(pattern).lower()
    export = next((e for e in exports if fnmatch.fnmatch(e.name.lower(), glob)), None)
    if export is None:
        names, where = ", ".join(e.name for e in exports), f"{mapping_path}: {section}"
        raise fail(f"no export matches {pattern!r}; exports: {names}", where=where, field="export")
    form = _FORMS.get(export.suffix.lower())
    if form is None or form not in forms:
        accepted = ", ".join(s for s, f in _FORMS.items() if f in forms)
        message = f"unsupported export type for {section}; expected {accepted}"
        raise fail(message, where=str(export))
    here = mapping_path.parent
    return {form: _relative(export, there)} | {
        key: _recognise_paths(value, here, there) if key == "recognise" else value
        for key, value in spec.items()
        if key != "export"
    }


def _recognise_paths(value: Any, here: Path, there: Path) -> Any:
    entries = value if isinstance(value, list) else [value]
    moved = [
        {"file": _relative(here / entry["file"], there)}
        if file_entry(entry) and isinstance(entry["file"], str)
        else entry
        for entry in entries
    ]
    return moved if isinstance(value, list) else moved[0]


def _unmapped(section: str, there: Path, block: Mapping[str, Any]) -> list[str]:
    """A note naming the export's columns that no field takes (when `columns:` is given;
    none when the block's options are wrong: loading reports them)."""
    columns, form = block.get("columns"), next(iter(block))  # the block's form comes first
    if not isinstance(columns, Mapping) or form == "jsonl":
        return []
    problems = Problems()
    model = Licence if section == "licences" else Consumption
    found = table_block(block, (form,), model, there, "", problems)
    sheet = None if found is None or problems.errors else open_sheet(found, model, problems)
    if sheet is None:
        return []
    sheet.records.close()
    sheet.close()
    fields = set(columns) | set(RECOGNITION_FIELDS)
    left = ", ".join(repr(n) for n in map(str.strip, sheet.header) if n and n not in fields)
    return [f"{section}: columns not read from {Path(block[form]).name}: {left}"] if left else []


def write(report: ImportReport, output: Path) -> None:
    """Writes the scenario, then loads it: `report.errors` and the load warnings."""
    text = yaml.safe_dump(report.scenario, sort_keys=False, allow_unicode=True, width=100)
    try:
        output.write_text(report.header + text, encoding="utf-8")
    except OSError as exc:
        message = f"cannot write the scenario: {exc.strerror or exc}"
        raise fail(message, where=str(output)) from None
    try:
        scenario = scenario_from_mapping(
            report.scenario, base_dir=output.parent, source=str(output)
        )
    except ScenarioErrors as exc:
        report.errors = exc
        return
    report.notes += list(scenario.load_warnings)
    report.notes.append(
        f"loaded: {len(scenario.products)} products, {len(scenario.licences)} licences, "
        f"{len(scenario.consumptions)} consumptions"
    )
