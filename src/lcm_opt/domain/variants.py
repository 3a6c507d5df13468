"""What-if variant operations (docs/scenario.md, "Variants"), typed: a discriminated union
on `op`. adapters/variants/parse.py reads a Variant's raw changes into these; apply.py
applies them to a base Scenario, immutably, and validates the result like a loaded one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from lcm_opt.domain.base import Frozen, Id, Name
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.licences import Licence


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


class RemoveConsumptions(Frozen):
    """Removes every consumption matching all of `where` (field -> value, or a list of
    values any of which matches), with their pins. `location`, `department` and
    `cost_centre` match the node and its descendants. Matching nothing is an error."""

    op: Literal["remove_consumptions"]
    where: dict[str, Any] = Field(min_length=1)


class SetSetting(Frozen):
    op: Literal["set_setting"]
    field: str
    value: Any = None


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


VariantOp = Annotated[
    SetField
    | AddLicence
    | RemoveLicence
    | AddConsumptions
    | RemoveConsumptions
    | SetSetting
    | SetRules
    | AddPin
    | RemovePin,
    Field(discriminator="op"),
]

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


class TypedVariant(Frozen):
    """A variant whose changes are parsed ops."""

    name: Name
    changes: tuple[VariantOp, ...] = ()
