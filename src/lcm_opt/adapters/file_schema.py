"""JSON Schema of the files users write and read: scenario files, variant files, results.

Generated from the domain models, then adjusted where a file differs from the model it
becomes (`rules` as a name, path or lines; table blocks for `licences` and `consumptions`;
the ignored top-level keys), so that an editor accepts what the loader accepts as far as
JSON Schema can say it. The rest (references, cycles, pools) the loader checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lcm_opt.adapters.files import CONSUMPTION_FILES, IGNORED_TOP_KEYS, LICENCE_FILES
from lcm_opt.adapters.files_variants import VariantFile
from lcm_opt.domain.result import Result
from lcm_opt.domain.scenario import Scenario
from lcm_opt.io.blocks import option_schemas

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]
_META = ("title", "description", "default")
_RULES: Schema = {
    "description": "A rule set by name (one bundled with lcm-opt, such as xassets-default), "
    "a path to a .rules file relative to the scenario, or the rule lines themselves; "
    "default xassets-default.",
    "anyOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string"}}],
}
_IGNORED: dict[str, Schema] = {
    **{key: {"description": f"`{key}`: ignored by the loader (test fixtures use it)."}
       for key in IGNORED_TOP_KEYS},
    "$schema": {"type": "string", "description": "The JSON Schema an editor validates this "
                "file with; ignored by the loader."},
}  # fmt: skip


def scenario_file_schema() -> Schema:
    """A scenario file (`.yaml`, `.yml` or `.json`) as the loader reads it."""
    schema = Scenario.model_json_schema()
    schema["$defs"].pop("RuleText", None)
    props: dict[str, Schema] = schema["properties"]
    props["name"]["description"] = "The scenario's name, carried into every result."
    props["rules"] = _RULES
    props.pop("load_warnings", None)
    props["licences"] = _rows_or_files(props["licences"], LICENCE_FILES)
    props["consumptions"] = _rows_or_files(props["consumptions"], CONSUMPTION_FILES)
    props.update(_IGNORED)
    schema["required"] = ["name"]  # `rules` defaults to xassets-default
    return _document(schema, "lcm-opt scenario file")


# A variant file: `base` and a `variants` list, or `base` and one `name` + `changes`; a
# result file, as `lcm-opt solve --format json` writes it.
SCHEMAS: dict[str, Callable[[], Schema]] = {
    "scenario": scenario_file_schema,
    "result": lambda: _document(Result.model_json_schema(), "lcm-opt result"),
    "variants": lambda: _document(
        VariantFile.model_json_schema(by_alias=True), "lcm-opt variant file"
    ),
}


def _document(schema: Schema, title: str) -> Schema:
    return {"$schema": JSON_SCHEMA_DIALECT, **schema, "title": title}


def _rows_or_files(prop: Schema, forms: tuple[str, ...]) -> Schema:
    files = [
        {
            "type": "object",
            "properties": {form: {"type": "string", "minLength": 1}, **option_schemas(form)},
            "required": [form],
            "additionalProperties": False,
        }
        for form in forms
    ]
    rows = {k: v for k, v in prop.items() if k not in _META}
    shapes = ", ".join(f"{{{form}: path}}" for form in forms)
    return {
        **{key: prop[key] for key in _META if key in prop},
        "description": f"A list of rows, or {shapes}: a file relative to the scenario whose "
        "rows use the same field names, or the block's columns: mapping.",
        "anyOf": [rows, *files],
    }
