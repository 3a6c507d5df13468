"""The Scenario aggregate: everything one solve reads. It validates itself: each row by its
model, and the scenario as a whole (unique ids, references, org trees, families, pools:
domain/checks.py) in a model validator, when validated with a ScenarioSource naming the
input as context (domain/source.py): `Scenario.model_validate(data,
context=ScenarioSource("name"))` raises every broken rule, located by section and row."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)
from pydantic_core import CoreSchema, core_schema

from lcm_opt.domain.base import Frozen, Name
from lcm_opt.domain.catalog import Product
from lcm_opt.domain.estate import Consumption, DirectAssignment
from lcm_opt.domain.lcm import Contract, Reservation, TrackedDeployment
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.located import shown
from lcm_opt.domain.offers import Offer
from lcm_opt.domain.org import Org
from lcm_opt.domain.settings import Settings
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.domain.variants import Variant as Variant  # re-exported: its former home


class RuleText(Frozen):
    """A rule set as text lines; parsed by rules/language.py. `source` names where the
    lines came from (a file path, or the scenario's `rules` key) for error messages."""

    name: Name
    lines: tuple[str, ...]
    source: str


def _keep_table(value: Any, rows: core_schema.ValidatorFunctionWrapHandler) -> Any:
    """A table was validated row by row when it was built; validating it as a tuple would
    make a million models out of it."""
    return value if isinstance(value, ConsumptionTable) else rows(value)


def _as_rows(value: tuple[Consumption, ...] | ConsumptionTable) -> tuple[Consumption, ...]:
    return value if isinstance(value, tuple) else tuple(value)


def _consumptions_schema(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """Validated, dumped and described (JSON schema) as the tuple of rows; a
    ConsumptionTable is accepted as it is, in O(1)."""
    rows = handler.generate_schema(tuple[Consumption, ...])
    dump = core_schema.plain_serializer_function_ser_schema(_as_rows, return_schema=rows)
    return core_schema.no_info_wrap_validator_function(_keep_table, rows, serialization=dump)


Consumptions = Annotated[
    tuple[Consumption, ...] | ConsumptionTable, GetPydanticSchema(_consumptions_schema)
]
"""A scenario's consumptions: a tuple of models (YAML lists, the HTTP API, what-if
variants) or a ConsumptionTable (a streamed `{csv: ...}` / `{jsonl: ...}` section). Both
dump as the list of rows."""


def _named(value: str) -> str:
    if not value:
        raise ValueError("expected text, got ''")
    return value


def _a_path(value: object) -> object:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"expected a path, got {shown(value)}")


ScenarioName = Annotated[Name, AfterValidator(_named)]
"""A scenario's name: non-empty text (an integer read as its string)."""
FilePath = Annotated[str, BeforeValidator(_a_path)]
"""A path as written (stripped, non-empty); a loader resolves it against its file."""


class Scenario(Frozen):
    name: ScenarioName
    rules: RuleText
    settings: Settings = Field(default_factory=Settings)
    org: Org = Field(default_factory=Org)
    products: tuple[Product, ...] = ()
    licences: tuple[Licence, ...] = ()
    consumptions: Consumptions = ()
    direct_assignments: tuple[DirectAssignment, ...] = ()
    contracts: tuple[Contract, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    tracked_deployments: tuple[TrackedDeployment, ...] = ()
    previous_allocation: FilePath | None = None
    offers: tuple[Offer, ...] = ()  # what `recommend` may buy; no other command reads them
    variants: tuple[Variant, ...] = ()
    load_warnings: tuple[str, ...] = Field(
        (),
        exclude=True,
        description="what loading the table files noted without refusing it, such as rows "
        "whose product title no recognise: pattern matched (set by the loader, not read "
        "from a scenario file; carried into the result's warnings)",
    )

    @classmethod
    def input_fields(cls) -> tuple[str, ...]:
        """The fields a scenario file may set (load_warnings is the loader's)."""
        return tuple(name for name in cls.model_fields if name not in _LOADER_FIELDS)

    @classmethod
    def validate_field(cls, key: str, value: object) -> Any:
        """`value` by the Scenario's own rules for its field `key`, for a loader that reads
        its input field by field; a ValidationError is located inside the field."""
        return _adapter(key).validate_python(value)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Scenario:
        """The whole-scenario rules, when validated with a ScenarioSource as context:
        reported to its sink, or raised. A Scenario built in code (`Scenario(...)`, a
        test's or a service's) is taken as its builder made it."""
        if isinstance(info.context, ScenarioSource):
            info.context.check(self)
        return self


_LOADER_FIELDS = frozenset({"load_warnings"})


@cache
def _adapter(key: str) -> TypeAdapter[Any]:
    return TypeAdapter(Scenario.model_fields[key].rebuild_annotation())
