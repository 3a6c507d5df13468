"""The scenario a request sends: the domain Scenario as a request model, so that FastAPI
validates it, reports each problem at its location and documents its schema.

It is the file format with inline rows. A server must not read paths a request names, so
file references are refused (table blocks, rule-set paths, `previous_allocation`,
`set_rules` paths). A rule error is located at its line (`rules[3]`). Every problem comes in
one pass, as from the file loader (domain/one_pass.py)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from lcm_opt.adapters.api.body import BodyError
from lcm_opt.adapters.files_rules import DEFAULT_RULES, is_rule_path, resolve_rules
from lcm_opt.adapters.variants import apply_variant, select_variants
from lcm_opt.domain import Consumption, RuleText, Scenario
from lcm_opt.domain.located import Loc, Located, located
from lcm_opt.domain.one_pass import LocatedSource, whole_checks
from lcm_opt.domain.variants import SetRules, SetSetting, Variant, op_where
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.io.blocks import KINDS
from lcm_opt.rules.language import parse_rules

SOURCE = "scenario"
RULES_SOURCE = f"{SOURCE}: rules"
NO_FILES = Path("/nonexistent/lcm-opt-api")  # never read: paths are refused first
_NO_PATHS = "a server does not read files named by a request"


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

# OpenAPI documents leave out nulls, so the documented example has no org tree (a root's
# parent is null); a value of an org field is then a root.
_DOCUMENTED = {key: value for key, value in EXAMPLE_SCENARIO.items() if key != "org"}


def _rule_text(value: object) -> object:
    """`rules` as the request writes it -> RuleText, its lines parsed."""
    if value is None or isinstance(value, str):
        if is_rule_path(value):
            paths = "rule-set paths are not accepted: name a rule set or send the lines"
            raise ValueError(f"{paths} ({_NO_PATHS})")
        try:
            return resolve_rules(value or DEFAULT_RULES, base_dir=NO_FILES, source=SOURCE)
        except ScenarioError as error:
            raise ValueError(error.message) from None
    if not isinstance(value, list | Mapping):
        return value  # RuleText says what it expects
    raw = {"name": "inline", "lines": value} if isinstance(value, list) else value
    text = RuleText.model_validate({**raw, "source": RULES_SOURCE})
    try:
        parse_rules(text)
    except ScenarioError as error:
        problems: list[Located] = []
        for e in error.errors if isinstance(error, ScenarioErrors) else [error]:
            line = e.where.removeprefix(f"{RULES_SOURCE}:")  # the parser's `scenario: rules:<n>`
            message = f"{e.field}: {e.message}" if e.field else e.message
            problems.append(((int(line) - 1,) if line.isdigit() else (), message, None))
        raise located(problems) from None
    return text


RulesIn = Annotated[
    RuleText, BeforeValidator(_rule_text, json_schema_input_type=str | list[str] | RuleText)
]


class ScenarioBody(Scenario):
    """A scenario in a request: the scenario file format (docs/scenario.md) with inline
    rows; paths are refused."""

    model_config = ConfigDict(title="Scenario", json_schema_extra={"examples": [_DOCUMENTED]})

    rules: RulesIn = Field(
        DEFAULT_RULES,
        description="a rule set bundled with the server by name, the rule lines, or the "
        "`{name, lines, source}` a dumped scenario holds; paths are refused",
        validate_default=True,
    )
    consumptions: tuple[Consumption, ...] = ()  # rows, never a table
    previous_allocation: None = Field(None, description=f"refused: {_NO_PATHS}")
    description: Any = Field(None, exclude=True, description="free text, ignored")
    expect: Any = Field(None, exclude=True, description="ignored (test fixtures use it)")
    schema_: Any = Field(None, alias="$schema", exclude=True, description="ignored")
    load_warnings: SkipJsonSchema[tuple[()]] = Field((), exclude=True)  # the loader's, not sent

    @field_validator("products", "licences", "consumptions", "previous_allocation", mode="before")
    @classmethod
    def _no_files(cls, value: object, info: ValidationInfo) -> object:
        if info.field_name == "previous_allocation" and value is not None:
            raise ValueError(f"previous_allocation names a file; it is not accepted ({_NO_PATHS})")
        if isinstance(value, Mapping):
            forms = [key for key in value if key in KINDS]
            message = "file references are not accepted: send the rows inline as a list"
            raise located([((forms[0],) if forms else (), f"{message} ({_NO_PATHS})", value)])
        return value

    @field_validator("variants")
    @classmethod
    def _no_rule_paths(cls, variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
        message = f"rule-set paths are not accepted ({_NO_PATHS})"
        paths = [
            ((k, "changes", i, "rules"), message, op.rules)
            for k, variant in enumerate(variants)
            for i, op in enumerate(variant.changes)
            if isinstance(op, SetRules) and is_rule_path(op.rules)
        ]
        if paths:
            raise located(paths)
        return variants

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ScenarioBody:
        """The Scenario's whole-scenario rules, always (a request is always checked)."""
        source = info.context if isinstance(info.context, LocatedSource) else LocatedSource()
        source.check(self)
        if source.problems:
            raise located(source.problems)
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _one_pass(
        cls, data: Any, handler: ModelWrapValidatorHandler[ScenarioBody], info: ValidationInfo
    ) -> ScenarioBody:
        try:
            return handler(data)
        except ValidationError as exc:
            if isinstance(info.context, LocatedSource) or not isinstance(data, Mapping):
                raise
            raise whole_checks(cls, data, exc) from None

    def domain(self) -> Scenario:
        """The domain Scenario it holds (every part already validated)."""
        return Scenario.model_construct(**{k: v for k, v in self if k in Scenario.model_fields})


def parse_scenario(data: Mapping[str, Any], *, max_time_limit_s: float) -> Scenario:
    """A scenario body -> the domain Scenario, its time limits capped (pydantic's
    ValidationError when it is not valid)."""
    return cap_time_limit(ScenarioBody.model_validate(data).domain(), max_time_limit_s)


def cap_time_limit(scenario: Scenario, cap: float) -> Scenario:
    """`settings.time_limit_s` and every `set_setting` of it in a variant at most `cap`."""
    settings = scenario.settings
    if settings.time_limit_s > cap:
        settings = settings.model_copy(update={"time_limit_s": cap})
    variants = tuple(
        variant.model_copy(update={"changes": tuple(_capped(op, cap) for op in variant.changes)})
        for variant in scenario.variants
    )
    return scenario.model_copy(update={"settings": settings, "variants": variants})


def _capped(op: Any, cap: float) -> Any:
    """A `set_setting` of time_limit_s over `cap` (read as pydantic reads it, "1e9" too)
    set to `cap`."""
    if isinstance(op, SetSetting) and op.field == "time_limit_s" and not isinstance(op.value, bool):
        with suppress(TypeError, ValueError):
            if float(op.value) > cap:
                return op.model_copy(update={"value": cap})
    return op


def check_variants(scenario: Scenario, names: list[str] | None) -> list[Scenario]:
    """A what-if request: the scenario has variants, the named ones (default all) exist,
    and they apply (returned, applied). An apply error is located at the change op_where
    names, anything else it names in full at the variant or the scenario."""
    try:
        chosen = select_variants(scenario, names)
    except ScenarioError as error:
        known = {variant.name for variant in scenario.variants}
        at: list[Loc] = [("variants", i) for i, n in enumerate(names or []) if n not in known]
        raise BodyError([(loc, error.message) for loc in at or [(SOURCE, "variants")]]) from None
    try:
        return [apply_variant(scenario, variant, base_dir=NO_FILES).scenario for variant in chosen]
    except ScenarioError as error:
        places: dict[str, Loc] = {scenario.name: (SOURCE,)}
        for k, variant in enumerate(scenario.variants):
            places[f"variant {variant.name}"] = (SOURCE, "variants", k)
            for i, op in enumerate(variant.changes):
                places[op_where(variant.name, i, op.op)] = (SOURCE, "variants", k, "changes", i)
        problems: list[tuple[Loc, str]] = []
        for e in error.errors if isinstance(error, ScenarioErrors) else [error]:
            if (loc := places.get(e.where)) is not None:
                problems.append(((*loc, e.field) if e.field else loc, e.message))
            else:
                problems.append((places.get(e.where.partition(": ")[0], (SOURCE,)), e.render()))
        raise BodyError(problems) from None
