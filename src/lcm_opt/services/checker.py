"""The independent result checker: the executable specification every engine's output is
tested against (docs/scenario.md, docs/engine.md).

It shares no allocation code with the compiler or the engines: it reads the scenario through
the domain, the documented eligibility primitives (rules/eligibility.py), the hierarchy, the
rule language and the A18 merge, and recomputes every fact a result states, including the
LCM pools (reservations, Track Deployment caps and ring-fences, A45), the Allocations
Overview when present, and the engine's status, bound and gap (checker_status.py).

`check_result` returns every violation as one readable line naming the consumption, licence
or product concerned; an empty list means the result is feasible and self-consistent."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from lcm_opt.domain import Result, Scenario, natural_key
from lcm_opt.errors import ScenarioError
from lcm_opt.services.checker_context import CheckContext
from lcm_opt.services.checker_coverage import check_coverage
from lcm_opt.services.checker_explain import check_explanations
from lcm_opt.services.checker_grants import check_capacity, check_grants, check_units
from lcm_opt.services.checker_overview import check_overview
from lcm_opt.services.checker_pins import check_direct_grants, check_pin_overflow, recompute_pins
from lcm_opt.services.checker_stages import check_stages
from lcm_opt.services.checker_status import check_status
from lcm_opt.services.checker_totals import check_totals

__all__ = ["check_result", "load_result"]

T = TypeVar("T")


def check_result(scenario: Scenario, result: Result) -> list[str]:
    """Every way `result` breaks the result contract for `scenario`; [] = feasible."""
    ctx = CheckContext(scenario)
    out: list[str] = []
    if result.scenario != scenario.name:
        out.append(f"result names scenario {result.scenario!r}, expected {scenario.name!r}")
    grant_issues, covered = check_grants(ctx, result)
    out += grant_issues
    out += check_units(ctx, covered)
    out += check_capacity(ctx, result)
    pins = recompute_pins(ctx)
    out += check_direct_grants(ctx, result, pins)
    out += check_pin_overflow(ctx, list(covered), pins)
    out += check_coverage(ctx, result, covered, pins)
    out += check_totals(ctx, result)
    out += check_status(ctx, result)
    out += check_stages(ctx, result)
    out += check_overview(ctx, result)
    out += check_order(result)
    if result.explanations is not None:
        optimal = result.engine == "optimal"
        out += check_explanations(
            scenario, result.explanations, result if optimal else None, None if optimal else result
        )
    return out


# --- order (A31) -------------------------------------------------------------------------


def _out_of_order(
    section: str, rows: Sequence[T], key: Callable[[T], Any], name: Callable[[T], str]
) -> list[str]:
    keys = [key(row) for row in rows]
    for i in range(1, len(rows)):
        if keys[i] < keys[i - 1]:
            return [
                f"{section} out of natural id order (A31): {name(rows[i])} comes after "
                f"{name(rows[i - 1])}"
            ]
    return []


def check_order(result: Result) -> list[str]:
    """Grants by (consumption, licence), deficits by consumption, rows by id (A31)."""
    return [
        *_out_of_order(
            "grants",
            result.grants,
            lambda g: (natural_key(g.consumption), natural_key(g.licence)),
            lambda g: f"grant {g.consumption} <- {g.licence}",
        ),
        *_out_of_order(
            "deficits",
            result.deficits,
            lambda d: natural_key(d.consumption),
            lambda d: f"deficit {d.consumption}",
        ),
        *_out_of_order(
            "products",
            result.products,
            lambda r: natural_key(r.product),
            lambda r: f"product row {r.product}",
        ),
        *_out_of_order(
            "licences",
            result.licences,
            lambda r: natural_key(r.licence),
            lambda r: f"licence row {r.licence}",
        ),
    ]


# --- loading -----------------------------------------------------------------------------


def _json_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """object_pairs_hook: plain json keeps the last of a repeated key; a result may not."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKeyError(key)
        data[key] = value
    return data


def _parse_json(text: str, where: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as exc:
        raise ScenarioError(
            "a key appears twice in one JSON object (a result states each field once)",
            where=where,
            field=exc.key,
        ) from None
    except RecursionError:
        raise ScenarioError(
            "invalid result: JSON nested too deeply (a result is at most a few levels deep)",
            where=where,
        ) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", where=where
        ) from None


def load_result(path: str | Path) -> Result:
    """Read a result JSON file; ScenarioError (where=path) if unreadable, not JSON (or with a
    repeated key, or nested too deeply), or not matching the result contract (each problem
    named by its JSON path)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the result file: {exc}", where=where) from exc
    data = _parse_json(text, where)
    try:
        return Result.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_json_path(e['loc'])}: {e['msg']}" for e in exc.errors())
        first = _json_path(exc.errors()[0]["loc"]) if exc.errors() else ""
        raise ScenarioError(
            f"does not match the result contract: {problems}", where=where, field=first
        ) from exc
