"""Rule values numbered from the codes of the fields the rules read (compile/values.py):
the rules' own function runs once per distinct combination of those fields, never once
per prototype, and combinations the rules give equal values share one number."""

from __future__ import annotations

import dataclasses
from array import array
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.keys import class_key, class_keys, model_fields
from lcm_opt.compile.values import coded, combinations, rule_values, table_codes
from lcm_opt.domain import Consumption, RuleText
from lcm_opt.domain.prototypes import Prototypes
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.domain.table_columns import validate_column
from lcm_opt.rules.language import RuleSet, consumption_raw, parse_rules
from lcm_opt.rules.language.vector_rows import Rows
from lcm_opt.services.estimate import pair_bound
from tests.test_streaming_load import write

JOINED = [  # one value of two fields: ("a", "bc") and ("ab", "c") give "abc" alike
    "Set Consumption.Key = Consumption.LocationID + Consumption.DepartmentID",
    "Affinity Consumption.Key = License.LocationID, 5",
]
PLAIN = ["Affinity Consumption.LocationID = License.LocationID, 5"]
ORG = {
    "locations": {"a": None, "ab": None, "x": None},
    "departments": {"bc": None, "c": None, "d": None},
}
PRODUCTS = [{"id": "P", "metric": "device"}, {"id": "Q", "metric": "core"}]
LICENCES = [
    {"id": "L1", "product": "P", "type": "device", "seats": 50, "location": "x"},
    {"id": "L2", "product": "Q", "type": "core", "seats": 400, "location": "a"},
]
PLACES = [("a", "bc"), ("ab", "c"), ("a", "c"), ("x", "d")]


def _csv(rows: int) -> str:
    """`rows` consumptions, every one its own prototype (custodian), over four places."""
    lines = ["id,product,location,department,custodian,cores"]
    for i in range(rows):
        location, department = PLACES[i % len(PLACES)]
        lines.append(f"c{i:04},{'PQ'[i % 2]},{location},{department},k{i},{2 + i % 3}")
    return "\n".join(lines)


def _scenario(tmp_path: Path, rules: list[str], rows: int) -> Path:
    scenario: dict[str, Any] = {"rules": rules, "org": ORG, "products": PRODUCTS}
    return write(tmp_path, "c.csv", _csv(rows), **scenario, licences=LICENCES)


def _parsed(lines: list[str]) -> RuleSet:
    return parse_rules(RuleText(name="r", lines=tuple(lines), source="r"))


def _counted(rules: RuleSet, asked: list[int]) -> RuleSet:
    """`rules`, recording how many rows each call of its row function is given."""
    by_rows = rules._consumption_rows

    def counted(rows_of: Rows, n: int, alike: bool) -> Any:
        asked.append(n)
        return by_rows(rows_of, n, alike)

    return dataclasses.replace(rules, _consumption_rows=counted)


def test_combinations_with_equal_values_share_one_number() -> None:
    rules = _parsed(JOINED)
    assert not rules.consumption_values_are_raw()
    assert _parsed(PLAIN).consumption_values_are_raw()
    cs = [
        Consumption(id=f"c{i}", product="P", location=loc, department=dep)
        for i, (loc, dep) in enumerate([*PLACES, *PLACES[::-1]])
    ]
    want = [rules.consumption_values(consumption_raw(c)) for c in cs]
    assert want[0] == want[1] != want[2]  # different raw values, equal rule values
    number, distinct, first = rule_values(rules, len(cs), coded(model_fields(cs)))
    assert [distinct[i] for i in number.tolist()] == want
    assert len(distinct) == len(set(want)) == 3
    assert number.tolist() == [0, 0, 1, 2, 2, 1, 0, 0]
    assert first.tolist() == [0, 2, 3]  # each distinct value's first consumption
    keys = class_keys(rules, lambda p: True)(len(cs), model_fields(cs))
    one = class_key(rules, lambda p: True)
    assert [keys[i] for i in range(len(cs))] == [one(c) for c in cs]
    assert keys.first.tolist() == [0, 0, 2, 3, 3, 2, 0, 0]


def test_combinations_are_numbered_by_first_occurrence_past_a_packed_bound() -> None:
    rng = np.random.default_rng(3)
    columns = [rng.integers(0, bound, size=2_000) for bound in (7, 1 << 40, 5, 1 << 40)]
    bounds = [7, 1 << 40, 5, 1 << 40]
    number, firsts = combinations(list(zip(columns, bounds, strict=True)), 2_000)
    rows = list(zip(*(c.tolist() for c in columns), strict=True))
    seen: dict[tuple[int, ...], int] = {}
    want = [seen.setdefault(row, len(seen)) for row in rows]
    assert number.tolist() == want
    assert firsts.tolist() == [rows.index(row) for row in seen]
    empty = combinations([(np.zeros(0, dtype=np.int64), 0)], 0)
    assert [a.tolist() for a in empty] == [[], []]


@pytest.mark.parametrize(
    ("rules", "combinations"), [(PLAIN, 3), (JOINED, 4)], ids=["plain", "joined"]
)
def test_compile_runs_the_rules_once_per_distinct_combination(
    tmp_path: Path, rules: list[str], combinations: int
) -> None:
    scenario = load_scenario(_scenario(tmp_path, rules, 600))
    table = scenario.consumptions
    assert isinstance(table, ConsumptionTable) and isinstance(table.prototypes, Prototypes)
    assert len(table.prototypes) == 600
    asked: list[int] = []
    problem = compile_scenario(scenario, _counted(_parsed(rules), asked))
    assert asked == [combinations]  # the locations read, or the places: not 600 prototypes
    assert table.prototypes.made == 0
    want = compile_scenario(scenario, reference=True)
    assert problem.classes == want.classes
    assert problem.consumption_class == want.consumption_class


def test_table_codes_give_equal_values_one_index() -> None:
    inputs = {"id": ["c0", "c1", "c2", "c3"], "product": ["P", "Q"], "cores": [2, 2, 3]}
    columns = {name: validate_column(name, given) for name, given in inputs.items()}
    assert columns["cores"] is not None and columns["cores"].values == [2, 2, 3]  # 2 twice
    at = {"id": [0, 1, 2, 3], "product": [0, 1, 1, 0], "cores": [1, 0, 2, 1]}
    made = {name: (column, array("i", at[name])) for name, column in columns.items() if column}
    table = ConsumptionTable.trusted(
        ("c0", "c1", "c2", "c3"), Prototypes(made, 4), array("I", range(4))
    )
    codes = table_codes(table)
    for field in ("cores", "product", "processors", "virtual", "location"):
        found, got = codes(field)
        assert [found[i] for i in got.tolist()] == table.prototype_values(field)
    assert codes("cores")[1].tolist() == [0, 0, 2, 0]  # equal values, one index
    assert isinstance(table.prototypes, Prototypes) and table.prototypes.made == 0


@pytest.mark.parametrize("rules", [PLAIN, JOINED], ids=["plain", "joined"])
def test_the_pair_bound_of_a_table_reads_its_columns(tmp_path: Path, rules: list[str]) -> None:
    path = _scenario(tmp_path, rules, 300)
    scenario = load_scenario(path)
    table = scenario.consumptions
    assert isinstance(table, ConsumptionTable) and isinstance(table.prototypes, Prototypes)
    rows = load_scenario(path, group=False)  # its consumptions one model per row
    assert not isinstance(rows.consumptions, ConsumptionTable)
    assert pair_bound(scenario) == pair_bound(rows) > 0
    assert table.prototypes.made == 0
