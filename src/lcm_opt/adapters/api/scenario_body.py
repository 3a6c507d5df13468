"""A scenario sent over HTTP -> Scenario, through the same validation as a scenario file.

The body is the file format with inline rows. A server must not read paths named by a
request, so file references are refused: `{csv: ...}` sections, rule-set paths (a named
rule set bundled with the server, or inline lines only), `previous_allocation`,
and `set_rules` paths inside variants. `rules` may also be the `{name, lines, source}` object
that `Scenario.model_dump()` writes, so a loaded scenario can be posted as it dumps.

Errors are ScenarioErrors whose `where` starts with SOURCE ("scenario") or REQUEST
("request"): errors.py turns them into 422 locations under the request body."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files import scenario_from_mapping
from lcm_opt.adapters.variants.apply import apply_variant
from lcm_opt.domain import RuleText, Scenario, Variant
from lcm_opt.errors import ScenarioError, ScenarioErrors

LOGGER = logging.getLogger("lcm_opt.api")
SOURCE = "scenario"
REQUEST = "request"
# Never read: every path-like value is refused before loading. A directory that does not
# exist makes sure nothing relative could be found even so.
NO_FILES = Path("/nonexistent/lcm-opt-api")
_NO_PATHS = "a server does not read files named by a request"
_VARIANT_WHERE = re.compile(r"variant (?P<name>.+): changes\[(?P<index>\d+)\]( \(.*\))?")


def parse_scenario(data: Mapping[str, Any], *, max_time_limit_s: float) -> Scenario:
    """Validates a scenario body; raises ScenarioErrors naming every problem. The optimiser's
    time limit (base settings and `set_setting` in variants) is capped at `max_time_limit_s`."""
    refused = [*_non_finite(data), *_file_references(data)]
    if refused:
        raise ScenarioErrors(refused)
    rules = data.get("rules")
    named: str | None = None
    if isinstance(rules, Mapping):
        named, lines = _dumped_rules(rules)
        data = {**data, "rules": lines}
    scenario = _load(data)
    if named is not None:
        scenario = scenario.model_copy(
            update={
                "rules": RuleText(name=named, lines=scenario.rules.lines, source=f"{SOURCE}: rules")
            }
        )
    return cap_time_limit(scenario, max_time_limit_s)


def _load(data: Mapping[str, Any]) -> Scenario:
    """The loader reads nothing but `data`, so anything it raises is about the input: a
    crash (a loader bug) is still a 422, logged with its traceback to be fixed."""
    try:
        return scenario_from_mapping(data, base_dir=NO_FILES, source=SOURCE)
    except ScenarioError:
        raise
    except Exception as exc:
        LOGGER.warning("the scenario loader crashed on a request (a loader bug)", exc_info=True)
        message = f"the scenario could not be read ({type(exc).__name__}: {exc})"
        raise ScenarioErrors([ScenarioError(message, where=SOURCE)]) from exc


def check_variants(scenario: Scenario, names: list[str] | None) -> list[Scenario]:
    """A what-if request: the scenario has variants, the named ones (default all) exist,
    and they apply to the scenario (returned, applied). Locations as for the scenario."""
    if not scenario.variants:
        raise ScenarioErrors(
            [
                ScenarioError(
                    "the scenario has no variants to compare", where=SOURCE, field="variants"
                )
            ]
        )
    known = {variant.name: variant for variant in scenario.variants}
    errors = [
        ScenarioError(
            f"unknown variant {name!r}; the scenario has: {', '.join(known)}",
            where=f"{REQUEST}: variants[{index}]",
        )
        for index, name in enumerate(names or [])
        if name not in known
    ]
    if errors:
        raise ScenarioErrors(errors)
    with variant_errors_located(scenario):
        return [
            apply_variant(scenario, known[name], base_dir=NO_FILES).scenario
            for name in (known if names is None else dict.fromkeys(names))
        ]


@contextmanager
def variant_errors_located(scenario: Scenario) -> Iterator[None]:
    """The what-if service names a variant (`variant <name>: changes[<i>] (<op>)`); a
    request location names its index: `scenario: variants[<k>].changes[<i>]`."""
    try:
        yield
    except ScenarioError as error:
        errors = error.errors if isinstance(error, ScenarioErrors) else [error]
        raise ScenarioErrors([_located(e, scenario) for e in errors]) from None


def _located(error: ScenarioError, scenario: Scenario) -> ScenarioError:
    if error.where == scenario.name:  # the what-if service names the scenario
        return ScenarioError(error.message, where=SOURCE, field=error.field)
    match = _VARIANT_WHERE.match(error.where)
    names = [variant.name for variant in scenario.variants]
    if match is None or match["name"] not in names:
        return error
    where = f"{SOURCE}: variants[{names.index(match['name'])}].changes[{match['index']}]"
    return ScenarioError(error.message, where=where, field=error.field)


def cap_time_limit(scenario: Scenario, cap: float) -> Scenario:
    settings = scenario.settings
    if settings.time_limit_s > cap:
        settings = settings.model_copy(update={"time_limit_s": cap})
    variants = tuple(_capped_variant(variant, cap) for variant in scenario.variants)
    return scenario.model_copy(update={"settings": settings, "variants": variants})


def _capped_variant(variant: Variant, cap: float) -> Variant:
    changes = tuple(
        {**change, "value": cap} if _raises_time_limit(change, cap) else change
        for change in variant.changes
    )
    return variant.model_copy(update={"changes": changes})


def _raises_time_limit(change: Mapping[str, Any], cap: float) -> bool:
    if change.get("op") != "set_setting" or change.get("field") != "time_limit_s":
        return False
    value = change.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        return float(value) > cap  # pydantic would read "1e9" as a number too
    except ValueError:
        return False


def _dumped_rules(rules: Mapping[str, Any]) -> tuple[str, object]:
    """`{name, lines, source?}` -> (name, lines); the lines are checked by the loader."""
    where = f"{SOURCE}: rules"
    problems = [
        ScenarioError("unknown key; accepted keys: name, lines, source", where=where, field=str(k))
        for k in rules
        if k not in ("name", "lines", "source")
    ]
    name = rules.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(
            ScenarioError(f"expected a rule-set name, got {name!r}", where=where, field="name")
        )
    lines = rules.get("lines")
    if not isinstance(lines, list):
        problems.append(
            ScenarioError(
                f"expected a list of rule lines, got {lines!r}", where=where, field="lines"
            )
        )
    if problems:
        raise ScenarioErrors(problems)
    return str(name).strip(), lines


def _non_finite(value: object, path: str = "") -> Iterator[ScenarioError]:
    """JSON has no NaN or Infinity, though Python's parser reads them: refuse them."""
    if isinstance(value, float) and not math.isfinite(value):
        where = f"{SOURCE}: {path}" if path else SOURCE
        yield ScenarioError(f"expected a finite number, got {value!r}", where=where)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _non_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_finite(item, f"{path}[{index}]")


def _file_references(data: Mapping[str, Any]) -> Iterator[ScenarioError]:
    for key in ("products", "licences", "consumptions"):
        section = data.get(key)
        if isinstance(section, Mapping):
            forms = [form for form in ("csv", "jsonl") if form in section]
            yield ScenarioError(
                f"file references are not accepted: send the rows inline as a list ({_NO_PATHS})",
                where=f"{SOURCE}: {key}",
                field=forms[0] if forms else "",
            )
    if _is_path(data.get("rules")):
        yield ScenarioError(
            f"rule-set paths are not accepted: name a rule set or send the lines ({_NO_PATHS})",
            where=SOURCE,
            field="rules",
        )
    if data.get("previous_allocation") is not None:
        yield ScenarioError(
            f"previous_allocation names a file; it is not accepted ({_NO_PATHS})",
            where=SOURCE,
            field="previous_allocation",
        )
    yield from _variant_paths(data.get("variants"))


def _variant_paths(variants: object) -> Iterator[ScenarioError]:
    if not isinstance(variants, list):
        return
    for v_index, variant in enumerate(variants):
        changes = variant.get("changes") if isinstance(variant, Mapping) else None
        for c_index, change in enumerate(changes if isinstance(changes, list) else []):
            if isinstance(change, Mapping) and _is_path(change.get("rules")):
                yield ScenarioError(
                    f"rule-set paths are not accepted ({_NO_PATHS})",
                    where=f"{SOURCE}: variants[{v_index}]",
                    field=f"changes[{c_index}].rules",
                )


def _is_path(value: object) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.endswith(".rules") or "/" in text or "\\" in text or text.startswith(".")
