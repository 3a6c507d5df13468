"""Worked examples E1-E26 (docs/engine.md): each scenario file carries the
documented outcome in an `expect:` block (format: scenarios/README.md); the R/A ids each
example exercises are in its `description`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import Result
from tests.conftest import SCENARIOS
from tests.support import solve_checked

FILES = sorted((SCENARIOS / "examples").glob("*.yaml")) + sorted(
    (SCENARIOS / "suboptimal").glob("*.yaml")
)
SPEC_ID = re.compile(r"\b[RA]\d+\b")


def _cited(path: Path) -> str:
    """The R/A ids the example's description cites, for the test id."""
    ids = set(SPEC_ID.findall(yaml.safe_load(path.read_text()).get("description", "")))
    return ",".join(sorted(ids, key=lambda i: (i[0], int(i[1:]))))


CASES = [
    pytest.param(path, engine, id=f"{path.stem}-{engine}[{_cited(path)}]")
    for path in FILES
    for engine in yaml.safe_load(path.read_text())["expect"]
]


def _grants_of(result: Result) -> dict[str, dict[str, int]]:
    held: dict[str, dict[str, int]] = {}
    for g in result.grants:
        held.setdefault(g.consumption, {})[g.licence] = g.units
    return held


def _check_rows(rows: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> None:
    for key, fields in rows.items():
        assert key in actual, f"no row {key}"
        for name, value in fields.items():
            assert actual[key][name] == value, f"{key}.{name}: {actual[key][name]} != {value}"


def _check(expect: dict[str, Any], result: Result) -> None:
    objective = result.objective.model_dump()
    for name in ("outstanding_units", "uncovered", "affinity", "outstanding_cost"):
        if name in expect:
            assert objective[name] == expect[name], f"{name}: {objective[name]} != {expect[name]}"
    held = _grants_of(result)
    for consumption, want in (expect.get("grants") or {}).items():
        got = held.get(str(consumption))
        if isinstance(want, dict):
            assert got == {str(k): v for k, v in want.items()}, f"{consumption}: {got}"
        else:
            assert got is not None and list(got) == [str(want)], f"{consumption}: {got}"
    if "deficits" in expect:
        assert sorted(d.consumption for d in result.deficits) == sorted(
            str(c) for c in expect["deficits"]
        )
    _check_rows(expect.get("products") or {}, {p.product: p.model_dump() for p in result.products})
    _check_rows(expect.get("licences") or {}, {r.licence: r.model_dump() for r in result.licences})
    scores = {(g.consumption, g.licence): g.score for g in result.grants}
    for consumption, per_licence in (expect.get("scores") or {}).items():
        for licence, score in per_licence.items():
            key = (str(consumption), str(licence))
            if key in scores:
                assert scores[key] == score, f"score {key}: {scores[key]} != {score}"
    if "warnings" in expect:
        assert len(result.warnings) == expect["warnings"], result.warnings


@pytest.mark.parametrize(("path", "engine"), CASES)
def test_example(path: Path, engine: str) -> None:
    expect = yaml.safe_load(path.read_text())["expect"][engine]
    result = solve_checked(load_scenario(path), engine)
    _check(expect, result)


def test_every_example_cites_its_spec_ids() -> None:
    uncited = [p.stem for p in FILES if not _cited(p)]
    assert not uncited, f"descriptions without R/A ids: {uncited}"


def test_every_documented_example_has_a_file() -> None:
    stems = {p.stem[:3] for p in FILES}
    assert {f"E{n:02d}" for n in range(1, 27)} <= stems
