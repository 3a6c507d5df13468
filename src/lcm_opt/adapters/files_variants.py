"""What-if inputs: a scenario file (its own `variants`) or a variant file naming its base.

A variant file is YAML or JSON::

    base: ../demo/demo.yaml          # the base scenario, relative to this file
    variants:                        # a list of {name, changes} ...
      - name: buy-60
        changes: [{op: add_licence, licence: {...}}]
    # ... or a single variant:  name: buy-60   changes: [...]

Its variants replace the base scenario's own. A `set_rules` path resolves against the file
that holds the variant. Errors name the file and the YAML path, like the loader's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files import load_scenario, scenario_from_mapping
from lcm_opt.adapters.files_errors import Problems, kind_of, shown, validate_item
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.domain import Scenario, Variant
from lcm_opt.domain.checks import duplicate_issues
from lcm_opt.domain.messages import unknown_key

__all__ = ["VARIANT_FILE_KEYS", "WhatIfInput", "load_variant_file", "load_whatif_input"]

VARIANT_FILE_KEYS = ("base", "variants", "name", "changes", "description", "$schema")


@dataclass(frozen=True)
class WhatIfInput:
    scenario: Scenario  # carrying the variants to run
    base_dir: Path  # where `set_rules` paths resolve: the directory of the variants' file


def load_whatif_input(path: str | Path) -> WhatIfInput:
    """A scenario file (a mapping without `base`) or a variant file (with `base`)."""
    path = Path(path)
    data = read_document(path)
    if "base" in data:
        return WhatIfInput(_variant_file(data, path), path.parent)
    return WhatIfInput(
        scenario_from_mapping(data, base_dir=path.parent, source=str(path)), path.parent
    )


def load_variant_file(path: str | Path) -> Scenario:
    """The base scenario of a variant file, carrying the file's variants."""
    path = Path(path)
    return _variant_file(read_document(path), path)


def _variant_file(data: Mapping[str, Any], path: Path) -> Scenario:
    source = str(path)
    problems = Problems()
    for key in data:
        if key not in VARIANT_FILE_KEYS:
            problems.add(
                source, str(key), unknown_key(VARIANT_FILE_KEYS, within=" in a variant file")
            )
    base = data.get("base")
    if not isinstance(base, str) or not base.strip():
        problems.add(source, "base", f"expected a path to the base scenario, got {shown(base)}")
    variants = _variants(data, source, problems)
    problems.raise_if_any()
    assert isinstance(base, str)
    scenario = load_scenario(path.parent / base.strip())
    return scenario.model_copy(update={"variants": tuple(variants)})


def _variants(data: Mapping[str, Any], source: str, problems: Problems) -> list[Variant]:
    single = "name" in data or "changes" in data
    if "variants" in data and single:
        problems.add(source, "variants", "give a `variants` list or one `name` with `changes`")
        return []
    if single:
        entries = [(source, {"name": data.get("name"), "changes": data.get("changes", [])})]
    elif isinstance(data.get("variants"), list):
        entries = [(f"{source}: variants[{i}]", item) for i, item in enumerate(data["variants"])]
    else:
        found = data.get("variants")
        what = "required" if found is None else f"expected a list, got {kind_of(found)}"
        problems.add(source, "variants", f"{what}: a `variants` list, or `name` and `changes`")
        return []
    variants: list[Variant] = []
    at: list[str] = []  # where each valid variant is in the file
    for where, item in entries:
        if not isinstance(item, Mapping):
            problems.add(
                where, "", f"expected a mapping with `name` and `changes`, got {shown(item)}"
            )
            continue
        variant = validate_item(Variant, dict(item), where, problems)
        if variant is not None:
            variants.append(variant)
            at.append(where)
    names = [v.name for v in variants]
    for issue in duplicate_issues("variants", "name", names, lambda _, i: at[i].split(": ")[-1]):
        problems.add(at[issue.index or 0], issue.field, issue.message)
    return variants
