"""A columnar load keeps a table's prototypes as validated columns (domain/prototypes.py):
each prototype made when asked for is the model the eager paths build, and the default
solve (load, compile, solve, write) reads the columns and makes none."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import _group_rows
from lcm_opt.compile.evaluator import Evaluator
from lcm_opt.compile.firsts import FirstRaws, Firsts
from lcm_opt.compile.keys import class_key, class_keys
from lcm_opt.compile.rows import Grouped, group_table
from lcm_opt.domain import Consumption
from lcm_opt.domain import prototypes as prototypes_module
from lcm_opt.domain.prototypes import Prototypes
from lcm_opt.domain.table import ATTRIBUTE_FIELDS, ConsumptionTable
from lcm_opt.rules.language import consumption_raw, parse_rules
from tests.test_generators import gen
from tests.test_streaming_load import write

FORMS = ["csv", "parquet"]
_TYPES = {"cores": pa.int64(), "processors": pa.int64(), "virtual": pa.bool_()}


def _parquet_twin(scenario: Path) -> Path:
    """The generated scenario with its consumptions in a Parquet file (text columns as
    text, sizes as integers)."""
    folder = scenario.parent
    header = (folder / "consumptions.csv").read_text().split("\n", 1)[0].split(",")
    types = {name: _TYPES.get(name, pa.string()) for name in header}
    options = pcsv.ConvertOptions(column_types=types)
    pq.write_table(pcsv.read_csv(folder / "consumptions.csv", convert_options=options),
                   folder / "consumptions.parquet")  # fmt: skip
    text = scenario.read_text().replace(
        "consumptions: {csv: consumptions.csv}", "consumptions: {parquet: consumptions.parquet}"
    )
    assert "consumptions.parquet" in text
    twin = folder / "scenario-parquet.yaml"
    twin.write_text(text)
    return twin


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    params = gen.Params("lazy", 3_000, 40, 4, units="cores", classes_per_product=40)
    path = gen.generate(params, tmp_path_factory.mktemp("lazy"), seed=7, rho=0.9)
    return {"csv": path, "parquet": _parquet_twin(path)}


def _lazy(path: Path) -> ConsumptionTable:
    table = load_scenario(path).consumptions
    assert isinstance(table, ConsumptionTable)
    assert isinstance(table.prototypes, Prototypes) and table.prototypes.made == 0
    return table


def _eager(path: Path) -> tuple[Consumption, ...]:
    """The prototypes the per-row load gives, validated row by row (in order of first use)."""
    rows = load_scenario(path, group=False).consumptions
    return tuple(ConsumptionTable.from_rows(rows).prototypes)


def _same(made: Any, expected: tuple[Consumption, ...]) -> None:
    assert tuple(made) == expected
    assert [p.model_fields_set for p in made] == [p.model_fields_set for p in expected]
    assert [list(map(type, p.__dict__.values())) for p in made] == [
        list(map(type, p.__dict__.values())) for p in expected
    ]


@pytest.mark.parametrize("form", FORMS)
def test_prototypes_made_one_by_one_or_at_once_are_the_eager_ones(
    estates: dict[str, Path], form: str
) -> None:
    expected = _eager(estates[form])
    table = _lazy(estates[form])
    prototypes = table.prototypes
    assert isinstance(prototypes, Prototypes) and len(prototypes) == len(expected) > 100
    picked = [0, len(expected) // 2, -1]
    one_by_one = [prototypes[i] for i in picked]
    assert prototypes.made == 2 + (len(expected) // 2 > 0)
    _same(one_by_one, tuple(expected[i] for i in picked))
    with pytest.raises(IndexError):
        prototypes[len(expected)]
    _same(prototypes, expected)  # the rest at once, those made already kept
    assert prototypes.made == len(expected)
    assert all(prototypes[i] is made for i, made in zip(picked, one_by_one, strict=True))
    assert prototypes == expected and expected == prototypes
    assert prototypes[1:4] == expected[1:4]
    assert pickle.loads(pickle.dumps(table)) == table
    again = _lazy(estates[form])
    _same(pickle.loads(pickle.dumps(again)).prototypes, expected)  # unmade, pickled
    assert tuple(again) == tuple(load_scenario(estates[form], group=False).consumptions)


@pytest.mark.parametrize("form", FORMS)
def test_prototype_values_are_the_fields_of_the_eager_prototypes(
    estates: dict[str, Path], form: str
) -> None:
    expected = _eager(estates[form])
    lazy, eager = _lazy(estates[form]), ConsumptionTable.from_rows(expected)
    for field in (*ATTRIBUTE_FIELDS, "id"):
        want = [p.__dict__[field] for p in expected]
        for table in (lazy, eager):
            got = table.prototype_values(field)
            assert got == want and list(map(type, got)) == list(map(type, want)), field
    for field in ("asset", "user", "nothing"):
        with pytest.raises(ValueError):
            lazy.prototype_values(field)
    for index in (0, 1, len(expected) // 3, -1):
        want_fields = list(expected[index].__dict__.items())
        for table in (lazy, eager):
            assert list(table.prototype_fields(index).items()) == want_fields
    with pytest.raises(IndexError):
        lazy.prototype_fields(len(expected))
    assert lazy.prototypes.made == 0
    made = lazy.prototypes[1]
    fields = lazy.prototype_fields(1)
    assert fields == made.__dict__ and fields is not made.__dict__  # a copy


def test_asking_one_by_one_makes_the_rest_at_once(
    estates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    assemble = prototypes_module.assemble

    def counted(columns: Any) -> list[Consumption]:
        made = assemble(columns)
        calls.append(len(made))
        return made

    monkeypatch.setattr(prototypes_module, "assemble", counted)
    table = _lazy(estates["csv"])
    expected = _eager(estates["csv"])
    _same([table.prototypes[i] for i in range(len(expected))], expected)
    assert len(calls) <= len(expected) // 32 + 2
    assert calls[-1] == len(expected)


@pytest.mark.parametrize("form", FORMS)
def test_class_keys_read_from_the_columns_are_the_per_prototype_keys(
    estates: dict[str, Path], form: str
) -> None:
    scenario = load_scenario(estates[form])
    table = scenario.consumptions
    assert isinstance(table, ConsumptionTable) and isinstance(table.prototypes, Prototypes)
    rules = parse_rules(scenario.rules)
    for sized in (lambda p: False, lambda p: True):
        for ruled in ((), ("department",), ("location", "custodian")):
            keys = class_keys(rules, sized, ruled)(len(table.prototypes), table.prototype_values)
            got = [keys[i] for i in range(len(keys))]
            assert table.prototypes.made == 0
            one = class_key(rules, sized, ruled)
            assert got == [one(p) for p in _eager(estates[form])]


OWN = "\n".join(
    [
        "id,product,asset,user,location,cores,virtual",
        *(
            f"c{i:03},P{i % 3},{'a' + str(i % 4) if i % 5 else ''},"
            f"{'u' + str(i % 2) if i % 3 else ''},{('London', 'Bath')[i % 2]},{1 + i % 4},{i % 2}"
            for i in range(60)
        ),
    ]
)


OWN_SCENARIO: dict[str, Any] = {
    "products": [
        {"id": "P0", "metric": "device"},
        {"id": "P1", "metric": "user"},
        {"id": "P2", "metric": "core"},
    ],
    "licences": [{"id": "L1", "product": "P0", "type": "device", "seats": 5}],
}


def _grouped(path: Path) -> tuple[Grouped, Grouped]:
    """A table's grouping by prototype, and the per-row grouping of its rows."""
    scenario = load_scenario(path)
    table = scenario.consumptions
    assert isinstance(table, ConsumptionTable) and isinstance(table.prototypes, Prototypes)
    ctx = Evaluator(scenario, parse_rules(scenario.rules))
    sized = {p.id: True for p in scenario.products}
    grouped = group_table(table, ctx.products, class_keys(ctx.rules, sized.__getitem__))
    rows = load_scenario(path, group=False).consumptions
    reference = _group_rows(ctx, rows, class_key(ctx.rules, sized.__getitem__))
    assert table.prototypes.made == 0
    assert isinstance(grouped.firsts, Firsts) and isinstance(grouped.raws, FirstRaws)
    return grouped, reference


@pytest.mark.parametrize("own", [True, False])
def test_first_members_read_from_the_columns_are_the_per_row_ones(
    tmp_path: Path, estates: dict[str, Path], own: bool
) -> None:
    path = write(tmp_path, "c.csv", OWN, **OWN_SCENARIO) if own else estates["csv"]
    grouped, reference = _grouped(path)
    assert len(grouped.firsts) == len(reference.firsts) > 5
    for field in ("product", "cores", "processors", "location", "virtual"):
        want = [getattr(c, field) for c in reference.firsts]
        assert grouped.first_values(field) == want
        assert reference.first_values(field) == want
    raws = list(grouped.raws)  # read from the columns
    assert raws == list(reference.raws)
    assert [list(r) for r in raws] == [list(r) for r in reference.raws]  # key order
    assert own == any(r["user"] is not None for r in raws)
    made = [grouped.raws[k] for k in range(len(raws))]  # from prototypes, one by one
    assert made == raws and all(type(r["virtual"]) is int for r in made)
    assert grouped.firsts[-1] == grouped.firsts[-1:][0]
    firsts = [consumption_raw(c) for c in grouped.firsts]
    assert [r["product"] for r in firsts] == [r["product"] for r in raws]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("engine", ["optimal", "greedy"])
def test_the_default_solve_makes_no_prototype(
    tmp_path: Path,
    estates: dict[str, Path],
    form: str,
    engine: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[Prototypes] = []
    init = Prototypes.__init__

    def recorded(self: Prototypes, *args: Any) -> None:
        init(self, *args)
        made.append(self)

    monkeypatch.setattr(Prototypes, "__init__", recorded)
    for output in ("json", "csv", "parquet"):
        target = tmp_path / f"out.{output}"
        args = ["solve", str(estates[form]), "--engine", engine, "--format", output]
        result = CliRunner().invoke(app, [*args, "-o", str(target), "-q"])
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    assert len(made) == 3 and [p.made for p in made] == [0, 0, 0]
