"""What-if inputs: a scenario file (its own `variants`) or a variant file naming its base
(docs/scenario.md, "Variants"). A `set_rules` path resolves against the file that holds
the variant; errors name the file and the YAML path, like the loader's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.config import JsonDict

from lcm_opt.adapters.files import load_scenario, scenario_from_mapping
from lcm_opt.adapters.files_errors import Problems, loc_text, report_validation
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.domain import Scenario, Variant
from lcm_opt.domain.checks import duplicate_issues
from lcm_opt.domain.located import located
from lcm_opt.domain.messages import unknown_key
from lcm_opt.domain.scenario import FilePath
from lcm_opt.domain.types import Name
from lcm_opt.domain.variants import VariantOp

# One form or the other, never both (the schema's words for `_one_form`).
_FORMS: JsonDict = {
    "anyOf": [{"required": ["variants"]}, {"required": ["name"]}],
    "not": {"anyOf": [{"required": ["variants", "name"]}, {"required": ["variants", "changes"]}]},
}


class VariantFile(BaseModel):
    """A variant file: `base` and a `variants` list, or `base` and one `name` + `changes`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_FORMS)

    base: FilePath = Field(description="The base scenario file, relative to this file.")
    variants: tuple[Variant, ...] | None = Field(
        None, description="The variants to run; they replace the base scenario's own."
    )
    name: Name | None = Field(None, description="A single variant's name, instead of `variants`.")
    changes: tuple[VariantOp, ...] = Field((), description="The single variant's changes.")
    description: Any = Field(None, description="Free text, ignored.")
    schema_: str | None = Field(
        None, alias="$schema", description="The JSON Schema an editor validates this file with."
    )

    @model_validator(mode="after")
    def _one_form(self) -> VariantFile:
        single = self.name is not None or "changes" in self.model_fields_set
        form = None
        if self.variants is not None and single:
            form = "give a `variants` list or one `name` with `changes`"
        elif self.variants is None and self.name is None:
            form = "required: a `variants` list, or `name` and `changes`"
        names = [v.name for v in self.variants or ()]
        issues = duplicate_issues("variants", "name", names, "{}[{}]".format)
        problems = [(("variants", i.index or 0, i.field), i.message, None) for i in issues]
        if form or problems:
            raise located([(("variants",), form, None)] if form else problems)
        return self

    def chosen(self) -> tuple[Variant, ...]:
        if self.variants is not None:
            return self.variants
        assert self.name is not None
        return (Variant(name=self.name, changes=self.changes),)


VARIANT_FILE_KEYS = tuple(info.alias or key for key, info in VariantFile.model_fields.items())


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


def _variant_file(data: Mapping[str, Any], path: Path) -> Scenario:
    """Every problem of the file, each at its variant (`<file>: variants[2]`) and the path
    in it, or at the file; then the base scenario, loaded."""
    source = str(path)
    problems = Problems()
    unknown = unknown_key(VARIANT_FILE_KEYS, within=" in a variant file")
    for key in data:
        if key not in VARIANT_FILE_KEYS:
            problems.add(source, str(key), unknown)
    try:
        found = VariantFile.model_validate({k: data[k] for k in data if k in VARIANT_FILE_KEYS})
    except ValidationError as exc:
        report_validation(VariantFile, exc, problems, partial(_place, source))
    problems.raise_if_any()  # `found` is set: nothing was reported
    scenario = load_scenario(path.parent / found.base)
    return scenario.model_copy(update={"variants": found.chosen()})


def _place(source: str, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """A variant's problem at `<file>: variants[2]` and the path in it; others at the file."""
    row = 2 if loc[:1] == ("variants",) and len(loc) > 1 and isinstance(loc[1], int) else 0
    return (f"{source}: {loc_text(loc[:row])}" if row else source), loc_text(loc[row:])
