"""The variant ops (domain/variants.py) applied to a WorkingScenario (variant_state.py). An
op checks only what it needs in order to apply at all: that its target exists, that what it
adds is not there yet, that its filter matches, and the changed row or settings by their
own model. The rules of the scenario as a whole (references, org values, families, pools)
are the Scenario's, checked once on the variant (variant_check.py) and reported at the op
that made the row. A failing op reports under its `where` (`variant <name>: changes[<i>]
(<op>)`) and leaves the working copy as it was. Reading a rule file and wording a model's
errors are the caller's (adapters/variants/apply.py), through the working copy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lcm_opt.domain import DirectAssignment, Settings
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
from lcm_opt.services.variant_filter import consumption_filter
from lcm_opt.services.variant_state import WorkingScenario, drop

__all__ = ["HANDLERS"]


def _as_written(value: object) -> str:
    """A value as a scenario file spells it (`null`, `true`, `60`, `"Berlin"`), not as
    Python prints it."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _set(state: WorkingScenario, op: SetField, where: str) -> str | None:
    kind, ident = op.target
    table: dict[str, Any] = state.licences if kind == "licence" else state.products
    current = table.get(ident)
    if current is None:
        state.unknown(where, kind, kind, ident, table)
        return None
    raw = {**current.model_dump(mode="json"), op.field: op.value}
    if kind == "licence" and op.field == "seats" and op.value is not None:
        raw["unlimited"] = False  # setting seats makes an unlimited licence finite
    if kind == "licence" and op.field == "unlimited" and op.value is True:
        raw["seats"] = None
    item = state.validate(type(current), raw, where)
    if item is None:
        return None
    table[ident] = item
    state.made(f"{kind}s", ident, where, of=op.field)
    state.touch(ident if kind == "product" else current.product, getattr(item, "product", ident))
    return f"{kind} {ident}: {op.field} = {_as_written(op.value)}"


def _add_licence(state: WorkingScenario, op: AddLicence, where: str) -> str | None:
    licence = op.licence
    if licence.id in state.licences:
        message = f"duplicate id {licence.id!r}: the scenario has that licence"
        state.problems.add(where, "licence.id", message)
        return None
    state.licences[licence.id] = licence
    state.made("licences", licence.id, where, "licence.")
    state.touch(licence.product)
    return f"added licence {licence.id}"


def _remove_licence(state: WorkingScenario, op: RemoveLicence, where: str) -> str | None:
    if op.id not in state.licences:
        state.unknown(where, "id", "licence", op.id, state.licences)
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
    rows = op.consumptions  # ids repeated within the op: its model's rule
    there = [(j, c.id) for j, c in enumerate(rows) if c.id in state.consumptions]
    for j, cid in there:
        message = f"duplicate id {cid!r}: the scenario has that consumption"
        state.problems.add(where, f"consumptions[{j}].id", message)
    if there:
        return None
    state.consumptions.add(rows)
    for j, c in enumerate(rows):
        state.made("consumptions", c.id, where, f"consumptions[{j}].")
    state.touch(*(c.product for c in rows))
    return f"added {len(rows)} consumption(s)"


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
    settings = state.validate(Settings, raw, where)
    if settings is None:
        return None
    state.settings = settings
    state.touched = None  # every block reads the settings
    return f"settings.{op.field} = {_as_written(op.value)}"


def _set_rules(state: WorkingScenario, op: SetRules, where: str) -> str | None:
    try:
        rules = state.read_rules(op.rules, where)
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
    pin = DirectAssignment(licence=op.licence, consumption=op.consumption)
    if pin in state.pins:
        message = f"licence {op.licence} is already pinned to {op.consumption}"
        state.problems.add(where, "consumption", message)
        return None
    state.pins.append(pin)
    state.made("direct_assignments", (op.licence, op.consumption), where)
    _touch_pin(state, pin)
    return f"pinned {op.licence} -> {op.consumption}"


def _remove_pin(state: WorkingScenario, op: RemovePin, where: str) -> str | None:
    pin = DirectAssignment(licence=op.licence, consumption=op.consumption)
    if pin not in state.pins:
        message = f"no pin of licence {op.licence} to {op.consumption}"
        state.problems.add(where, "consumption", message)
        return None
    state.pins.remove(pin)
    _touch_pin(state, pin)
    return f"unpinned {op.licence} -> {op.consumption}"


def _touch_pin(state: WorkingScenario, pin: DirectAssignment) -> None:
    licence, consumption = state.licences.get(pin.licence), state.consumptions.get(pin.consumption)
    if licence is None or consumption is None:
        state.touched = None  # a pin naming nothing is reported; the footprint is moot
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
