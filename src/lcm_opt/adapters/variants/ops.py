"""The variant ops (domain/variants.py) applied to a WorkingScenario, each checked with the
loader's checks before it changes anything: a failing op reports under its `where`
(`variant <name>: changes[<i>] (<op>)`) and leaves the working copy as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems, validate_item
from lcm_opt.adapters.files_rules import resolve_rules
from lcm_opt.adapters.variants.filter import consumption_filter
from lcm_opt.adapters.variants.state import (
    WorkingScenario,
    copy_errors,
    drop,
    pool_check,
    row_refs,
    unknown,
    validated,
)
from lcm_opt.domain import DirectAssignment, Licence, Product, Settings
from lcm_opt.domain.checks import family_issues
from lcm_opt.domain.variants import (
    AddConsumptions,
    AddLicence,
    AddPin,
    RemoveConsumptions,
    RemoveLicence,
    RemovePin,
    SetField,
    SetRules,
    SetSetting,
)
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.rules.language import parse_rules

__all__ = ["HANDLERS"]


def _as_written(value: object) -> str:
    """A value as a scenario file spells it (`null`, `true`, `60`, `"Berlin"`), not as
    Python prints it."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _set(state: WorkingScenario, op: SetField, where: str) -> str | None:
    kind, ident = op.target
    table: dict[str, Any] = state.licences if kind == "licence" else state.products
    model: type[BaseModel] = Licence if kind == "licence" else Product
    current = table.get(ident)
    if current is None:
        unknown(state, where, kind, kind, ident, table)
        return None
    raw = current.model_dump(mode="json")
    raw[op.field] = op.value
    if kind == "licence" and op.field == "seats" and op.value is not None:
        raw["unlimited"] = False  # setting seats makes an unlimited licence finite
    if kind == "licence" and op.field == "unlimited" and op.value is True:
        raw["seats"] = None
    local = Problems()
    item = validated(model, raw, where, local)
    if item is not None and kind == "licence":
        row_refs(state, item, where, local)
        pool_check(state, item, op.field, where, local)
    if item is not None and kind == "product" and op.field in ("family", "version"):
        products = {**state.products, ident: item}
        for issue in family_issues(tuple(products.values())):
            local.add(where, issue.field, issue.message)
    if not copy_errors(local, state.problems):
        return None
    table[ident] = item
    state.touch(ident if kind == "product" else current.product, getattr(item, "product", ident))
    return f"{kind} {ident}: {op.field} = {_as_written(op.value)}"


def _add_licence(state: WorkingScenario, op: AddLicence, where: str) -> str | None:
    licence = op.licence
    local = Problems()
    if licence.id in state.licences:
        local.add(where, "id", f"duplicate id {licence.id!r}: the scenario has that licence")
    row_refs(state, licence, where, local)
    if not copy_errors(local, state.problems, "licence"):
        return None
    state.licences[licence.id] = licence
    state.touch(licence.product)
    return f"added licence {licence.id}"


def _remove_licence(state: WorkingScenario, op: RemoveLicence, where: str) -> str | None:
    if op.id not in state.licences:
        unknown(state, where, "id", "licence", op.id, state.licences)
        return None
    state.touch(state.licences.pop(op.id).product)  # its pins are of its product's block
    pins = drop(state.pins, lambda p: p.licence == op.id)
    reservations = drop(state.reservations, lambda r: r.licence == op.id)
    tracked = drop(state.tracked, lambda t: t.licence == op.id)
    return (
        f"removed licence {op.id} with {pins} pin(s), {reservations} reservation(s) and "
        f"{tracked} tracked deployment(s)"
    )


def _add_consumptions(state: WorkingScenario, op: AddConsumptions, where: str) -> str | None:
    local = Problems()
    for j, c in enumerate(op.consumptions):  # duplicates within the op: its model's rule
        row = Problems()
        if c.id in state.consumptions:
            row.add(where, "id", f"duplicate id {c.id!r}: the scenario has that consumption")
        row_refs(state, c, where, row)
        copy_errors(row, local, f"consumptions[{j}]")
    if not copy_errors(local, state.problems):
        return None
    state.consumptions.add(op.consumptions)
    state.touch(*(c.product for c in op.consumptions))
    return f"added {len(op.consumptions)} consumption(s)"


def _remove_consumptions(state: WorkingScenario, op: RemoveConsumptions, where: str) -> str | None:
    matches = consumption_filter(op.where, state.base.org, where, state.problems)
    if matches is None:
        return None
    rows = state.consumptions.matching(matches, set(op.where))
    if not rows:
        state.problems.add(where, "where", f"no consumption matches {dict(op.where)!r}")
        return None
    gone = {c.id for c in rows}
    state.consumptions.remove(gone)
    state.touch(*{c.product for c in rows})
    pins = drop(state.pins, lambda p: p.consumption in gone)
    return f"removed {len(gone)} consumption(s) with {pins} pin(s)"


def _set_setting(state: WorkingScenario, op: SetSetting, where: str) -> str | None:
    raw = {**state.settings.model_dump(mode="json"), op.field: op.value}
    local = Problems()
    settings = validate_item(Settings, raw, where, local)
    if not copy_errors(local, state.problems) or settings is None:
        return None
    state.settings = settings
    state.touched = None  # every block reads the settings
    return f"settings.{op.field} = {_as_written(op.value)}"


def _set_rules(state: WorkingScenario, op: SetRules, where: str) -> str | None:
    try:
        rules = resolve_rules(op.rules, base_dir=state.base_dir, source=where)
        parse_rules(rules)  # a malformed line is an error here, not at solve time
    except ScenarioError as exc:
        for error in exc.errors if isinstance(exc, ScenarioErrors) else [exc]:
            located = error.where if error.where.startswith(where) else f"{where}: {error.where}"
            state.problems.add(located, error.field, error.message)
        return None
    state.rules = rules
    state.touched = None  # every block reads the rules
    return f"rules = {rules.name} ({len(rules.lines)} lines)"


def _add_pin(state: WorkingScenario, op: AddPin, where: str) -> str | None:
    errors = len(state.problems.errors)
    if op.licence not in state.licences:
        unknown(state, where, "licence", "licence", op.licence, state.licences)
    if op.consumption not in state.consumptions:
        unknown(state, where, "consumption", "consumption", op.consumption, state.consumptions)
    pin = DirectAssignment(licence=op.licence, consumption=op.consumption)
    if pin in state.pins:
        state.problems.add(
            where, "consumption", f"licence {op.licence} is already pinned to {op.consumption}"
        )
    if len(state.problems.errors) > errors:
        return None
    state.pins.append(pin)
    _touch_pin(state, pin)
    return f"pinned {op.licence} -> {op.consumption}"


def _remove_pin(state: WorkingScenario, op: RemovePin, where: str) -> str | None:
    pin = DirectAssignment(licence=op.licence, consumption=op.consumption)
    if pin not in state.pins:
        state.problems.add(
            where, "consumption", f"no pin of licence {op.licence} to {op.consumption}"
        )
        return None
    state.pins.remove(pin)
    _touch_pin(state, pin)
    return f"unpinned {op.licence} -> {op.consumption}"


def _touch_pin(state: WorkingScenario, pin: DirectAssignment) -> None:
    licence, consumption = state.licences.get(pin.licence), state.consumptions.get(pin.consumption)
    if licence is None or consumption is None:
        state.touched = None  # a pin of a removed row is gone with it; not expected here
        return
    state.touch(licence.product, consumption.product)


HANDLERS: dict[type[Any], Callable[[WorkingScenario, Any, str], str | None]] = {
    SetField: _set,
    AddLicence: _add_licence,
    RemoveLicence: _remove_licence,
    AddConsumptions: _add_consumptions,
    RemoveConsumptions: _remove_consumptions,
    SetSetting: _set_setting,
    SetRules: _set_rules,
    AddPin: _add_pin,
    RemovePin: _remove_pin,
}
