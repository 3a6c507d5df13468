"""Inputs that once got a 500, a raw dump, a spoofable id or minutes of work: each is now a
clear 422 over HTTP and exit 2 on the command line, with the exact message below. Also the
CSV output's cells (formulas escaped, every grant's product, JSON booleans), long names in
table titles, and the command line's work limits."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.api import ApiSettings, create_app
from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.errors import ScenarioErrors
from lcm_opt.io import yaml_text
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from tests.api_support import ALICE, KEYS, bearer, pair_bomb

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

runner = CliRunner()
JSON = {"content-type": "application/json"}
BASE: dict[str, Any] = {
    "name": "x",
    "products": [{"id": "p", "metric": "device"}],
    "licences": [{"id": "L", "product": "p", "type": "device", "seats": 1}],
    "consumptions": [{"id": "c", "product": "p", "asset": "a"}],
}
INVISIBLE = "ids and names must not hold control or text-direction characters"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = ApiSettings(database_url="sqlite://", api_keys=KEYS)
    with TestClient(create_app(settings), headers=bearer(ALICE)) as test_client:
        yield test_client


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stderr


def detail(response: Any) -> list[tuple[list[object], str]]:
    assert response.status_code == 422, response.text
    return [(entry["loc"], entry["msg"]) for entry in response.json()["detail"]]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the same input over HTTP and on the command line -------------------------------------

GIANT = json.dumps(BASE).replace('"seats": 1', '"seats": ' + "9" * 5000)


def test_an_integer_of_5000_digits(client: TestClient, tmp_path: Path) -> None:
    raw = ('{"scenario": ' + GIANT + "}").encode()
    assert detail(client.post("/v1/solve", content=raw, headers=JSON)) == [
        (
            ["body", "scenario", "licences", 0, "seats"],
            "out of range: got a number of 5,000 digits",
        )
    ]
    queued = client.post("/v1/runs", content=raw[:-1] + b', "kind": "solve"}', headers=JSON)
    assert queued.status_code == 422
    code, err = cli("validate", str(write(tmp_path, "big.json", GIANT)))
    assert (code, err) == (
        2,
        f"error: {tmp_path / 'big.json'}: licences[0]: seats: out of range: got a number of "
        "5,000 digits\n",
    )


def test_a_lone_surrogate(client: TestClient, tmp_path: Path) -> None:
    text = json.dumps({**BASE, "name": "\ud800"})
    message = "not Unicode text: a lone surrogate \\ud800 (half of a JSON escape pair)"
    raw = ('{"scenario": ' + text + "}").encode()
    assert detail(client.post("/v1/validate", content=raw, headers=JSON)) == [
        (["body", "scenario", "name"], message)
    ]
    code, err = cli("validate", str(write(tmp_path, "s.json", text)))
    assert (code, err) == (2, f"error: {tmp_path / 's.json'}: name: {message}\n")


@pytest.mark.parametrize(
    ("change", "loc", "char", "where"),
    [
        ({"name": "a\x00b"}, ["name"], "U+0000 at position 2", "name"),
        (
            {"licences": [{**BASE["licences"][0], "id": "L\u202e1"}]},
            ["licences", 0, "id"],
            "U+202E at position 2",
            "licences[0]: id",
        ),
        (
            {"consumptions": [{**BASE["consumptions"][0], "id": "c\u2066x"}]},
            ["consumptions", 0, "id"],
            "U+2066 at position 2",
            "consumptions[0]: id",
        ),
        (
            {"variants": [{"name": "v\x1b[31m", "changes": []}]},
            ["variants", 0, "name"],
            "U+001B at position 2",
            "variants[0]: name",
        ),
    ],
)
def test_control_and_direction_characters_in_ids_and_names(
    client: TestClient,
    tmp_path: Path,
    change: dict[str, Any],
    loc: list[object],
    char: str,
    where: str,
) -> None:
    scenario = {**BASE, **change}
    message = f"contains the invisible character {char}; {INVISIBLE}"
    assert detail(client.post("/v1/validate", json={"scenario": scenario})) == [
        (["body", "scenario", *loc], message)
    ]
    path = write(tmp_path, "s.json", json.dumps(scenario))
    code, err = cli("validate", str(path))
    assert (code, err) == (2, f"error: {path}: {where}: {message}\n")


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ["name: bomb", "description:", "  a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    lines += ["products: [{id: p, metric: device}]", "licences: []", "consumptions: []"]
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    code, err = cli("validate", str(path))
    assert (code, err) == (
        2,
        f"error: {path}: YAML aliases repeat more than 1,000,000 nodes (nested aliases "
        "multiply); write the data out or use fewer aliases\n",
    )
    few = "\n".join(["name: fine", "description: {a: &a [1, 2], b: *a, c: *a}", *lines[-3:]])
    assert cli("validate", str(write(tmp_path, "few.yaml", few + "\n")))[0] == 0


def test_only_repeated_collections_count_towards_the_alias_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every mapping key is constructed twice and a scalar alias costs a token per use, so
    neither counts: a scenario with more keys than the limit loads, a nested alias does not."""
    monkeypatch.setattr(yaml_text, "MAX_ALIAS_NODES", 20)
    pins = [f"  - {{licence: L{n}, consumption: c{n}}}" for n in range(30)]
    many = ["name: many keys", "description: {a: &t text, b: *t, c: *t}", "direct_assignments:"]
    data = read_document(write(tmp_path, "many.yaml", "\n".join([*many, *pins]) + "\n"))
    assert len(data["direct_assignments"]) == 30
    nested = "name: n\ndescription: {a: &a [[1, 2, 3], [4, 5, 6]], b: [*a, *a, *a, *a]}\n"
    with pytest.raises(ScenarioErrors, match="YAML aliases repeat more than"):
        read_document(write(tmp_path, "nested.yaml", nested))


def test_sections_that_are_not_lists_say_so_in_the_formats_words(
    client: TestClient, tmp_path: Path
) -> None:
    scenario = {**BASE, "products": {"csv": "products.csv"}}
    response = client.post("/v1/validate", json={"scenario": scenario})
    assert detail(response)[0] == (
        ["body", "scenario", "products", "csv"],
        "file references are not accepted: send the rows inline as a list (a server does "
        "not read files named by a request)",
    )
    assert "_Object" not in response.text
    jsonl = {**BASE, "consumptions": {"jsonl": "c.jsonl"}}
    assert detail(client.post("/v1/validate", json={"scenario": jsonl}))[0][0] == [
        "body",
        "scenario",
        "consumptions",
        "jsonl",
    ]
    path = write(tmp_path, "s.json", json.dumps(scenario))
    code, err = cli("validate", str(path))
    assert code == 2
    assert f"error: {path}: products: expected a list, got a mapping\n" in err


# --- what the command line writes -----------------------------------------------------------


def test_csv_cells_escape_formulas_and_name_every_grant_product(tmp_path: Path) -> None:
    scenario = {
        "name": "csv",
        "products": [{"id": "=cmd|'/c calc'!A1", "metric": "device"}],
        "licences": [
            {"id": "+L", "product": "=cmd|'/c calc'!A1", "type": "device", "seats": 1},
        ],
        "consumptions": [
            {"id": "@c1", "product": "=cmd|'/c calc'!A1", "asset": "a1"},
            {"id": "-c2", "product": "=cmd|'/c calc'!A1", "asset": "a2"},
        ],
    }
    path = write(tmp_path, "s.json", json.dumps(scenario))
    streamed = runner.invoke(app, ["solve", str(path), "--format", "csv"])
    assert streamed.exit_code == 0
    assert streamed.stdout.splitlines() == [
        "consumption,product,licence,units,source,downgrade,score,status,reason,detail",
        "'-c2,'=cmd|'/c calc'!A1,'+L,1,auto,false,0,granted,,",
        "'@c1,'=cmd|'/c calc'!A1,,1,,,,deficit,capacity,eligible licences full: +L",
    ]
    result = solve(load_scenario(path), "greedy")
    assert check_result(load_scenario(path), result) == []
    previous = write(tmp_path, "previous.json", result.model_dump_json())
    churn = {**scenario, "previous_allocation": str(previous)}
    with_churn = write(tmp_path, "c.json", json.dumps(churn))
    assembled = runner.invoke(app, ["solve", str(with_churn), "--format", "csv"])
    assert assembled.stdout == streamed.stdout  # the assembled path writes the same cells


def test_a_long_name_is_cut_in_table_titles(tmp_path: Path) -> None:
    name = "N" * 100_000
    path = write(tmp_path, "s.json", json.dumps({**BASE, "name": name}))
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 0
    assert result.stdout.startswith("N" * 99 + "… — engine")
    assert "N" * 100 not in result.stdout


def test_the_command_line_takes_the_same_limits(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.json", json.dumps(pair_bomb(100, 60)))
    code, err = cli("validate", str(path), "--max-pairs", "5000")
    assert (code, err) == (
        2,
        "error: the scenario asks for 6,000 eligible class-licence pairs (upper bound), over "
        "the limit max_pairs = 5,000\n",
    )
    code, err = cli("solve", str(path), "--max-consumptions", "99")
    assert (code, err) == (
        2,
        "error: the scenario asks for 100 consumptions, over the limit max_consumptions = 99\n",
    )
    assert cli("solve", str(path), "--max-pairs", "6000", "--deadline", "60")[0] == 0


def test_the_command_line_deadline_stops_a_long_solve(tmp_path: Path) -> None:
    path = write(tmp_path, "heavy.json", json.dumps(pair_bomb(2000, 500)))
    code, err = cli("solve", str(path), "--deadline", "0.5")
    assert (code, err) == (4, "error: deadline: the work took longer than 0.5 s and was stopped\n")


def test_streamed_rows_are_held_to_the_same_text_rules(tmp_path: Path) -> None:
    write(tmp_path, "c.csv", "id,product,asset\nc\u202e1,p,a\n")
    write(tmp_path, "c.jsonl", '{"id": "c\\ud800", "product": "p", "asset": "b"}\n')
    head = "name: t\nproducts: [{id: p, metric: device}]\nlicences: []\n"
    for form, where, message in (
        (
            "csv",
            "row 2",
            f"contains the invisible character U+202E at position 2; {INVISIBLE}",
        ),
        (
            "jsonl",
            "line 1",
            "not Unicode text: a lone surrogate \\ud800 (half of a JSON escape pair)",
        ),
    ):
        path = write(tmp_path, f"{form}.yaml", head + f"consumptions: {{{form}: c.{form}}}\n")
        code, err = cli("validate", str(path))
        assert (code, err) == (2, f"error: {tmp_path / ('c.' + form)}: {where}: id: {message}\n")
