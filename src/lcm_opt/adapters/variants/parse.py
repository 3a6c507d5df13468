"""A Variant's raw changes -> typed ops (domain/variants.py), with the loader's messages.

Every problem is a ScenarioError located at `variant <name>: changes[<i>] (<op>)` with the
op's field (`licence.seats`, `consumptions[2].product`, `id`, ...), all reported together.
Ids are strings: integer ids and references are read as their string form (domain/types)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems, validate_item
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.scenario import Variant
from lcm_opt.domain.variants import OP_MODELS, TypedVariant

__all__ = ["op_where", "parse_variant"]


def op_where(variant: str, index: int, op: str | None = None) -> str:
    """`variant <name>: changes[<i>] (<op>)`: where every error about one change points."""
    base = f"variant {variant}: changes[{index}]"
    return f"{base} ({op})" if op else base


def parse_variant(variant: Variant) -> TypedVariant:
    """The variant with typed changes; raises ScenarioErrors listing every bad change."""
    problems = Problems()
    ops: list[Any] = []
    for index, change in enumerate(variant.changes):
        op = _parse_change(variant.name, index, change, problems)
        if op is not None:
            ops.append(op)
    problems.raise_if_any()
    return TypedVariant(name=variant.name, changes=tuple(ops))


def _parse_change(name: str, index: int, change: object, problems: Problems) -> BaseModel | None:
    accepted = ", ".join(OP_MODELS)
    if not isinstance(change, Mapping):
        problems.add(op_where(name, index), "", f"expected a mapping with an `op`, got {change!r}")
        return None
    op = change.get("op")
    if op not in OP_MODELS:
        what = "required field is missing" if op is None else f"unknown op {op!r}"
        problems.add(op_where(name, index), "op", f"{what}; accepted ops: {accepted}")
        return None
    where = op_where(name, index, str(op))
    raw = dict(change)
    failed: list[str] = []
    if op == "add_licence":
        _nested(raw, "licence", Licence, where, problems, failed)
    elif op == "add_consumptions":
        _nested_list(raw, "consumptions", Consumption, where, problems, failed)
    return _validate_op(OP_MODELS[str(op)], raw, where, problems, failed)


def _validate_op(
    model: type[BaseModel], raw: dict[str, Any], where: str, problems: Problems, failed: list[str]
) -> BaseModel | None:
    """Validates the op itself; errors inside a nested item already reported (`failed`
    names those fields) are not repeated in the op model's terms."""
    local = Problems()
    item = validate_item(model, raw, where, local)
    for error in local.errors:
        if not any(_inside(error.field, prefix) for prefix in failed):
            problems.add(error.where, error.field, error.message)
    return item if not failed else None


def _inside(field: str, prefix: str) -> bool:
    return field == prefix or field.startswith((f"{prefix}.", f"{prefix}["))


def _nested(
    raw: dict[str, Any],
    key: str,
    model: type[BaseModel],
    where: str,
    problems: Problems,
    failed: list[str],
    prefix: str | None = None,
) -> None:
    """Validates raw[key] as `model` with the loader's messages (fields prefixed `key.`);
    replaces it by the validated item, or records `key` as failed."""
    value = raw.get(key)
    if not isinstance(value, Mapping):
        return  # missing or not a mapping: the op model says so
    local = Problems()
    item = validate_item(model, dict(value), where, local)
    label = prefix if prefix is not None else key
    for error in local.errors:
        field = f"{label}.{error.field}" if error.field else label
        problems.add(error.where, field, error.message)
    if item is None:
        failed.append(label)
    else:
        raw[key] = item


def _nested_list(
    raw: dict[str, Any],
    key: str,
    model: type[BaseModel],
    where: str,
    problems: Problems,
    failed: list[str],
) -> None:
    values = raw.get(key)
    if not isinstance(values, list):
        return
    items: list[Any] = list(values)
    holder: dict[str, Any] = {}
    for j, value in enumerate(values):
        holder["item"] = value
        _nested(holder, "item", model, where, problems, failed, prefix=f"{key}[{j}]")
        items[j] = holder["item"]
    raw[key] = items
