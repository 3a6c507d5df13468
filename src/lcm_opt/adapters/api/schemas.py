"""Request and response shapes of the HTTP API.

A `scenario` is received as a plain JSON object and validated by the scenario loader (exact
file-format semantics, errors naming the row and field; scenario_body.py). Its documented
JSON schema is the domain Scenario's, with `rules` as the file format writes it (a rule-set
name, a list of lines, or the dumped `{name, lines, source}`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from lcm_opt.domain import Scenario

Engine = Literal["greedy", "optimal"]
RunKind = Literal["solve", "compare", "whatif"]
RunStatus = Literal["queued", "running", "succeeded", "failed"]

EXAMPLE_SCENARIO: dict[str, Any] = {
    "name": "Two seats for three PCs",
    "rules": "xassets-default",
    "org": {"locations": {"UK": None, "London": "UK"}},
    "products": [{"id": "office-2021", "family": "office", "version": "2021", "metric": "device"}],
    "licences": [{"id": "L-1", "product": "office-2021", "type": "device", "seats": 2}],
    "consumptions": [
        {
            "id": f"PC-{n}/office-2021",
            "product": "office-2021",
            "asset": f"PC-{n}",
            "location": "London",
        }
        for n in (1, 2, 3)
    ],
}


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """A JSON schema with every `$ref` to `$defs` replaced by its target (no recursion in
    the Scenario model), so it can sit inside the OpenAPI document as is."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    return node


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(mode="validation")
    inlined: dict[str, Any] = _inline_refs(schema, schema.get("$defs", {}))
    properties = inlined["properties"]
    dumped_rules = properties["rules"]
    properties["rules"] = {
        "description": "a rule set bundled with the server by name, or the rule "
        "lines; default xassets-default. Paths are refused.",
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, dumped_rules],
    }
    properties["previous_allocation"] = {"type": "null", "description": "files are refused"}
    inlined["required"] = ["name"]
    inlined["title"] = "Scenario"
    inlined["description"] = "The scenario file format (docs/scenario.md) with inline rows."
    inlined["examples"] = [EXAMPLE_SCENARIO]
    return inlined


# Documented once, as the `Scenario` component (see install_scenario_schema).
ScenarioBody = Annotated[
    dict[str, Any], WithJsonSchema({"allOf": [{"$ref": "#/components/schemas/Scenario"}]})
]


def install_scenario_schema(app: FastAPI) -> None:
    """Adds the `Scenario` component the request bodies refer to to the app's OpenAPI."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document["components"]["schemas"]["Scenario"] = scenario_json_schema()
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioRequest(_Request):
    scenario: ScenarioBody


class SolveRequest(ScenarioRequest):
    engine: Engine = Field("greedy", description="greedy = the documented engine")


class WhatIfRequest(ScenarioRequest):
    variants: list[str] | None = Field(
        None, description="names of the scenario's variants; all by default"
    )
    engine: Engine = "optimal"


class SolveRun(SolveRequest):
    kind: Literal["solve"]


class CompareRun(ScenarioRequest):
    kind: Literal["compare"]


class WhatIfRun(WhatIfRequest):
    kind: Literal["whatif"]


RunRequest = Annotated[SolveRun | CompareRun | WhatIfRun, Field(discriminator="kind")]


class ValidateResponse(BaseModel):
    ok: bool
    products: int
    licences: int
    consumptions: int
    classes: int = Field(description="consumption classes the rules cannot tell apart")
    pairs: int = Field(description="eligible class-licence pairs")


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class RunCreated(BaseModel):
    id: str
    status: RunStatus


class RunSummary(BaseModel):
    id: str
    kind: RunKind
    status: RunStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = None


class RunDetail(RunSummary):
    result: dict[str, Any] | None = Field(
        None, description="the solve result, Comparison or WhatIfReport, once succeeded"
    )


class RunList(BaseModel):
    runs: list[RunSummary] = Field(description="newest first, without results")
    total: int
    limit: int
    offset: int
