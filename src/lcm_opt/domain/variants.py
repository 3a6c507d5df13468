"""What-if variants (docs/scenario.md, "Variants"): a name and typed changes, a union
discriminated on `op`, validated where a scenario or variant file is read (or a request
body): an unknown op, a missing field, a bad licence in `add_licence`, a field `set` cannot
change, an unknown setting or `where` key, an id repeated within `add_consumptions` are
errors there, located at the change and its field (`changes[2].licence.seats`).
adapters/variants applies the changes to a base Scenario, immutably, and the variant
Scenario is checked by the Scenario's own rules (services/variant_check.py).

The union is dispatched by hand on `op` rather than by pydantic's discriminator, so that
error locations have no tag in them (`changes[0].licence.seats`, not
`changes[0].add_licence.licence.seats`) and an unknown key names the keys of the model it
is in; the JSON schema is the discriminated union's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError, WrapValidator, model_validator
from pydantic_core import InitErrorDetails

from lcm_opt.domain.base import Frozen, Id, Name
from lcm_opt.domain.catalog import Product
from lcm_opt.domain.checks import ORG_FIELDS, duplicate_issues
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.located import Loc, Located, located, shown
from lcm_opt.domain.messages import unknown_key
from lcm_opt.domain.settings import Settings
from lcm_opt.domain.types import as_text_id


class SetField(Frozen):
    """Set one field of one licence or one product. Setting a licence's `seats` makes it
    finite; setting `unlimited: true` drops its seats. Ids cannot be changed (remove and
    add instead)."""

    op: Literal["set"]
    licence: Id | None = None
    product: Id | None = None
    field: str
    value: Any = None

    @model_validator(mode="after")
    def _one_target(self) -> SetField:
        if (self.licence is None) == (self.product is None):
            raise ValueError("`set` takes exactly one of `licence` or `product`")
        kind, _ = self.target
        model: type[BaseModel] = Licence if kind == "licence" else Product
        if self.field not in model.model_fields or self.field == "id":
            accepted = ", ".join(f for f in model.model_fields if f != "id")
            what = f"unknown {kind} field {self.field!r}"
            if self.field == "id":
                what = "ids cannot be changed (remove and add instead)"
            raise located([(("field",), f"{what}; settable fields: {accepted}", self.field)])
        return self

    @property
    def target(self) -> tuple[str, str]:
        """('licence', id) or ('product', id)."""
        if self.licence is not None:
            return "licence", self.licence
        assert self.product is not None
        return "product", self.product


class AddLicence(Frozen):
    op: Literal["add_licence"]
    licence: Licence


class RemoveLicence(Frozen):
    """Removes the licence with its pins, reservations and tracked deployments."""

    op: Literal["remove_licence"]
    id: Id


class AddConsumptions(Frozen):
    op: Literal["add_consumptions"]
    consumptions: tuple[Consumption, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> AddConsumptions:
        ids = [c.id for c in self.consumptions]
        issues = duplicate_issues("consumptions", "id", ids, "{}[{}]".format)
        problems = [((i.section, i.index or 0, i.field), i.message, None) for i in issues]
        if problems:
            raise located(problems)
        return self


class RemoveConsumptions(Frozen):
    """Removes every consumption matching all of `where` (field -> value, or a list of
    values any of which matches), with their pins. `location`, `department` and
    `cost_centre` match the node and its descendants. Matching nothing is an error."""

    op: Literal["remove_consumptions"]
    where: dict[str, Any] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_fields(self) -> RemoveConsumptions:
        problems: list[Located] = []
        for key, value in self.where.items():
            if key not in Consumption.model_fields:
                accepted = ", ".join(Consumption.model_fields)
                message = f"unknown consumption field {key!r}; accepted: {accepted}"
                problems.append((("where", key), message, key))
            elif isinstance(value, list) and not value:
                problems.append((("where", key), "an empty list matches nothing", value))
            elif key in ORG_FIELDS:
                for node in value if isinstance(value, list) else [value]:
                    if node is not None and not isinstance(as_text_id(node), str):
                        message = f"expected a node name, got {shown(node)}"
                        problems.append((("where", key), message, node))
        if problems:
            raise located(problems)
        return self


class SetSetting(Frozen):
    op: Literal["set_setting"]
    field: str
    value: Any = None

    @model_validator(mode="after")
    def _known_setting(self) -> SetSetting:
        if self.field not in Settings.model_fields:
            accepted = ", ".join(Settings.model_fields)
            message = f"unknown setting {self.field!r}; accepted: {accepted}"
            raise located([(("field",), message, self.field)])
        return self


class SetRules(Frozen):
    """A rule-set name, a path to a .rules file, or a list of rule lines (like `rules`)."""

    op: Literal["set_rules"]
    rules: str | list[str]


class AddPin(Frozen):
    op: Literal["add_pin"]
    licence: Id
    consumption: Id


class RemovePin(Frozen):
    op: Literal["remove_pin"]
    licence: Id
    consumption: Id


AnyOp = (
    SetField
    | AddLicence
    | RemoveLicence
    | AddConsumptions
    | RemoveConsumptions
    | SetSetting
    | SetRules
    | AddPin
    | RemovePin
)

OP_MODELS: dict[str, type[Frozen]] = {
    "set": SetField,
    "add_licence": AddLicence,
    "remove_licence": RemoveLicence,
    "add_consumptions": AddConsumptions,
    "remove_consumptions": RemoveConsumptions,
    "set_setting": SetSetting,
    "set_rules": SetRules,
    "add_pin": AddPin,
    "remove_pin": RemovePin,
}
_ACCEPTED = ", ".join(OP_MODELS)


def _op(value: object, _: object) -> AnyOp:
    """A change as its op's model; errors located under the change (see the docstring)."""
    if isinstance(value, tuple(OP_MODELS.values())):
        return value  # type: ignore[return-value]
    if not isinstance(value, Mapping):
        raise located([((), f"expected a mapping with an `op`, got {value!r:.60}", value)])
    op = value.get("op")
    model = OP_MODELS.get(op) if isinstance(op, str) else None
    if model is None:
        what = "required field is missing" if op is None else f"unknown op {op!r:.60}"
        raise located([(("op",), f"{what}; accepted ops: {_ACCEPTED}", op)])
    try:
        return model.model_validate(value)  # type: ignore[return-value]
    except ValidationError as exc:
        raise _reworded(model, exc) from None


def _reworded(model: type[BaseModel], exc: ValidationError) -> ValidationError:
    """The op's errors as they are, but an unknown key names the keys of the model it is
    in (pydantic's own message names none)."""
    details: list[InitErrorDetails] = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            message = unknown_key((model_at(model, loc[:-1]) or model).model_fields, loc[-1])
            details.append(
                InitErrorDetails(type="value_error", loc=loc, input=None, ctx={"error": message})
            )
        else:
            kind, value, ctx = error["type"], error["input"], error.get("ctx")
            details.append(InitErrorDetails(type=kind, loc=loc, input=value, ctx=ctx or {}))
    return ValidationError.from_exception_data(model.__name__, details)


def model_at(root: object, loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model a location inside `root` (a model, or a union of models) is in, as
    pydantic locates an error without its last step: `("licences", 0)` inside a Scenario
    is in a Licence."""
    models = _models(root)
    for part in loc:
        fields = [m.model_fields[str(part)] for m in models if str(part) in m.model_fields]
        models = (_models(fields[0].annotation) if fields else []) or models
    return models[0] if models else None


def _models(annotation: object) -> list[type[BaseModel]]:
    """The models an annotation holds: itself, or inside a tuple, union or Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models(arg)]


VariantOp = Annotated[AnyOp, Field(discriminator="op"), WrapValidator(_op)]
"""One change: validated into its op's model (see the module docstring)."""


def op_where(variant: str, index: int, op: str | None = None) -> str:
    """`variant <name>: changes[<i>] (<op>)`: where messages about one change point."""
    base = f"variant {variant}: changes[{index}]"
    return f"{base} ({op})" if op else base


class Variant(Frozen):
    """A what-if variant: a name and its changes, applied in order."""

    name: Name
    changes: tuple[VariantOp, ...] = ()


TypedVariant = Variant
"""The same model under its former name (the docs test uses it)."""
