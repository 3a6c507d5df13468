"""Compile's column-wise paths equal their one-by-one counterparts: the class key of many
consumptions at once (`class_keys`) and the rule vectors they read (`consumption_values_of`,
`consumption_column`), on every fixture and generated estates, under every shipped rule set
and each scenario's own rules; the block-wise pair making and the score sort of edges.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile import edges as edges_module
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.edges import edge_order
from lcm_opt.compile.keys import class_key, class_keys, model_fields
from lcm_opt.compile.order import first_of_equal
from lcm_opt.compile.values import raw_rows
from lcm_opt.domain import Consumption
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.rules.language import (
    RuleSet,
    consumption_column,
    consumption_raw,
    consumption_rows,
    licence_raw,
    licence_rows,
    parse_rules,
)
from lcm_opt.rules.language.types import Values
from tests.conftest import SCENARIOS
from tests.test_generators import gen
from tests.test_rules_language import RULESETS, from_file, rules

# mappings, recognisers and what-if variants are other commands' files, not scenarios
OTHER_COMMANDS = ("imports/*/mapping.yaml", "recognise/*.yaml", "whatif/*-variants.yaml")
VALID = sorted(
    p
    for p in SCENARIOS.rglob("*.yaml")
    if "invalid" not in p.parts
    and not any(p.relative_to(SCENARIOS).match(pattern) for pattern in OTHER_COMMANDS)
)
SHIPPED = sorted(p.name for p in RULESETS.glob("*.rules"))
RAW_KEYS = tuple(consumption_raw(Consumption(id="x", product="p")))  # the oracle's keys


def _rows(path: Path) -> tuple[RuleSet, tuple[Consumption, ...]]:
    scenario = load_scenario(path, group=False)
    return parse_rules(scenario.rules), tuple(scenario.consumptions)


def _sizers(cs: Sequence[Consumption]) -> list[Callable[[str], bool]]:
    products = sorted({c.product for c in cs})
    some = set(products[::2])
    return [lambda p: False, lambda p: True, some.__contains__]


RULED = [(), ("department",), ("location", "cost_centre")]


def _assert_keys_equal(rs: RuleSet, cs: Sequence[Consumption]) -> None:
    for sized in _sizers(cs):
        for ruled in RULED:
            one = class_key(rs, sized, ruled)
            want = [one(c) for c in cs]
            keys = class_keys(rs, sized, ruled)(len(cs), model_fields(cs))
            got = [keys[i] for i in range(len(keys))]
            assert got == want
            assert [type(k[1]) for k in got] == [tuple] * len(cs)
            assert keys.first.tolist() == first_of_equal(want).tolist()
            assert keys.value_first.tolist() == first_of_equal([k[1] for k in want]).tolist()


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_class_keys_equal_the_per_row_key_under_the_scenarios_rules(path: Path) -> None:
    rs, cs = _rows(path)
    _assert_keys_equal(rs, cs)
    for name in SHIPPED:
        _assert_keys_equal(from_file(name), cs)


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_licence_values_of_equal_the_per_licence_values(path: Path) -> None:
    scenario = load_scenario(path, group=False)
    lics = scenario.licences
    rows = partial(licence_rows, lics)
    for rs in (parse_rules(scenario.rules), *(from_file(name) for name in SHIPPED)):
        want = [rs.licence_values(licence_raw(lic)) for lic in lics]
        for alike in (False, True):
            assert rs.licence_values_of(rows, len(lics), alike=alike) == want
    keys = ("is_core", "cores", "contract", "product", "location", "custodian")
    assert licence_rows(lics, keys) == [tuple(licence_raw(x)[k] for k in keys) for x in lics]
    with pytest.raises(KeyError):
        licence_rows(lics, ("virtual",))


@pytest.mark.parametrize("units", ["installs", "cores"])
def test_class_keys_equal_the_per_row_key_on_generated_estates(tmp_path: Path, units: str) -> None:
    params = gen.Params("cols", 3_000, 40, 4, units=units, classes_per_product=30)
    scenario = load_scenario(gen.generate(params, tmp_path, seed=5, rho=0.9))
    table = scenario.consumptions
    assert isinstance(table, ConsumptionTable)
    for rs in (parse_rules(scenario.rules), *(from_file(name) for name in SHIPPED)):
        _assert_keys_equal(rs, table.prototypes)
        _assert_keys_equal(rs, tuple(table)[:500])


def test_consumption_columns_and_rows_are_the_raw_mapping_read_by_key() -> None:
    cs = [
        Consumption(id="a", product="p", virtual=True, cores=4, user="u", location="L"),
        Consumption(id="b", product="q", asset="x", processors=2, custodian="7"),
    ]
    for key in RAW_KEYS:
        assert consumption_column(cs, key) == [consumption_raw(c)[key] for c in cs]
    assert [type(v) for v in consumption_column(cs, "virtual")] == [int, int]
    for keys in ((), ("cores",), ("virtual", "user"), ("product", "location", "custodian")):
        want = [tuple(consumption_raw(c)[k] for k in keys) for c in cs]
        assert consumption_rows(cs, keys) == want
        assert raw_rows(len(cs), model_fields(cs), keys) == want
    assert [type(v) for v in consumption_rows(cs, ("cores", "virtual"))[0]] == [int, int]
    assert [type(v) for v in raw_rows(2, model_fields(cs), ("cores", "virtual"))[0]] == [int, int]
    for bad in (("id",), ("cores", "id"), ("virtual", "id")):
        with pytest.raises(KeyError):
            consumption_rows(cs, bad)
    with pytest.raises(KeyError):
        consumption_column(cs, "id")


RULE_LINES = {
    "plain": ("Affinity Consumption.IsVirtual = 1, 5", "Requirement Consumption.CPUCores > 2"),
    "set fields": (
        "Set Consumption.Big = IIF(Consumption.CPUCores >= 16, 1, 0)",
        "Set Consumption.Tag = Consumption.UserID + Consumption.IsVirtual",
        "Affinity Consumption.Big = 1 AND Consumption.Tag = 'u1', 5",
    ),
    "no consumption field": ("Affinity License.CPUCores = 4, 5",),
    "reordered": (
        "Affinity Consumption.UserID = License.ContractID, 5",
        "Affinity Consumption.CPUCores = 4 OR Consumption.DepartmentID = 'x', 1",
    ),
}


def _raws(alike: bool) -> list[dict[str, object]]:
    """Raw mappings; `alike`: only str, int and None (equal rows may share a vector), else
    with bools (read as ints) and a float equal to an int but not alike."""
    raws: list[dict[str, object]] = []
    for i in range(40):
        virtual: object = i % 2 if alike else [True, False, 1, 0][i % 4]
        raws.append(
            {
                "location": None,
                "department": ["x", "y", None][i % 3],
                "cost_centre": None,
                "custodian": str(i % 4),
                "cores": [None, 4, 16, 2**70][i % 4],
                "processors": i % 2,
                "virtual": virtual,
                "user": ["u", "v", None][i % 3],
                "asset": None,
                "product": "p",
            }
        )
    if not alike:
        raws.append({**raws[0], "cores": 4.0})
    return raws


@pytest.mark.parametrize("alike", [True, False], ids=["alike", "mixed"])
@pytest.mark.parametrize("name", sorted(RULE_LINES))
def test_consumption_values_of_equals_row_by_row(name: str, alike: bool) -> None:
    rs = rules(*RULE_LINES[name])
    raws = _raws(alike)
    want = [rs.consumption_values(raw) for raw in raws]

    def rows(keys: tuple[str, ...]) -> list[tuple[object, ...]]:
        return [tuple(raw[k] for k in keys) for raw in raws]

    got = rs.consumption_values_of(rows, len(raws))
    assert got == want
    assert [list(map(type, v)) for v in got] == [list(map(type, v)) for v in want]
    if alike:  # vouched for by the caller: the same vectors without checking the types
        assert rs.consumption_values_of(rows, len(raws), alike=True) == want
    if rs.consumption_fields:
        with pytest.raises(ValueError, match="rows"):
            rs.consumption_values_of(rows, len(raws) + 1)
    else:
        assert rs.consumption_values_of(rows, 3) == [(), (), ()]


def test_first_of_equal() -> None:
    items: list[Values] = [(1,), ("1",), (1,), (None,), ("1",), (2, 3), (None,)]
    assert first_of_equal(items).tolist() == [0, 1, 0, 3, 1, 5, 3]
    assert first_of_equal([]).tolist() == []


@pytest.mark.parametrize("s_range", [5, 3000, 2**40], ids=["radix", "radix-wide", "merge"])
def test_score_sort_of_presorted_pairs_is_the_edge_order(s_range: int) -> None:
    rng = np.random.default_rng(11)
    k = np.sort(rng.integers(0, 300, size=4_000))
    down = rng.random(len(k)) < 0.3
    lic = rng.permutation(20_000)[: len(k)]
    pre = np.lexsort((lic, down, k))  # as pairs.py makes them: class, downgrade, licence
    k, down, lic = k[pre], down[pre], lic[pre]
    score = rng.integers(-s_range, s_range, size=len(k))
    got = edges_module._by_score(k, score, down)
    assert got.tolist() == edge_order(k, lic, score, down).tolist()
    assert edges_module._by_score(k[:0], score[:0], down[:0]).tolist() == []


@pytest.mark.parametrize("block", [1, 7, 1 << 17])
def test_blocks_of_pairs_give_the_same_problem(
    tmp_path: Path, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = gen.Params("blocks", 1_500, 30, 3, units="cores", classes_per_product=25)
    scenario = load_scenario(gen.generate(params, tmp_path, seed=2, rho=0.9))
    want = compile_scenario(scenario, reference=True).classes
    monkeypatch.setattr(edges_module, "BLOCK", block)
    problem = compile_scenario(scenario)
    assert problem.classes == want
    arrays = problem.edge_arrays
    assert arrays.start[-1] == sum(len(c.exact) + len(c.downgrade) for c in want)


def test_blocks_cover_every_class_and_hold_at_most_their_size(tmp_path: Path) -> None:
    from lcm_opt.compile.candidates import Facts, product_candidates, reaching_licences
    from lcm_opt.compile.evaluator import Evaluator
    from lcm_opt.compile.pairs import CandidateTable, PairMaker

    params = gen.Params("cover", 1_000, 30, 3, classes_per_product=20)
    scenario = load_scenario(gen.generate(params, tmp_path, seed=4, rho=1.1))
    ctx = Evaluator(scenario, parse_rules(scenario.rules))
    ids = sorted(ctx.products)
    reach = reaching_licences(ctx)
    facts = Facts.of(ctx.licences)
    cands = {p: product_candidates(ctx, facts, ctx.products[p], reach.get(p, [])) for p in ids}
    table = CandidateTable.of(ids, cands)
    rng = np.random.default_rng(0)
    product = rng.integers(0, len(ids), size=200)
    maker = PairMaker(ctx, table, product, ([], []))
    for size in (1, 5, 40, 10**6):
        blocks = maker.blocks(size)
        assert blocks[0][0] == 0 and blocks[-1][1] == len(product)
        assert all(a[1] == b[0] for a, b in pairwise(blocks))
        for lo, hi in blocks:
            assert hi > lo
            assert hi - lo == 1 or maker.degree[lo:hi].sum() <= size
    assert PairMaker(ctx, table, product[:0], ([], [])).blocks(5) == []


def test_equal_subtrees_of_the_rule_plans_are_one_object() -> None:
    from lcm_opt.rules.language.vector_plan import PArith, PCompare, PConst, Pool, _intern

    rs = rules(
        "Requirement (Consumption.CPUCores / License.CPUCores) "
        "- (Consumption.CPUCores / License.CPUCores / 2) * 2 = 1",
        "Affinity Consumption.CPUCores / License.CPUCores > 1, 5",
    )
    (req,) = rs._plans.requirements
    (aff,) = rs._plans.affinities
    assert isinstance(req, PCompare) and isinstance(aff, PCompare)
    minus = req.a
    assert isinstance(minus, PArith) and isinstance(minus.b, PArith)
    times = minus.b
    assert isinstance(times.a, PArith)
    assert times.a.a is minus.a is aff.a  # C / L, once across both lines
    pool: Pool = {}
    one, true, text = (_intern(PConst(v), pool) for v in (1, True, "1"))
    assert one is not true and one is not text and _intern(PConst(1), pool) is one


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/"])
def test_integer_arithmetic_of_every_sign_is_exact_and_vectorised(symbol: str) -> None:
    from tests.test_rules_language import cons, lic
    from tests.test_rules_vector import check_vectorised

    signed = [-7, -1, 0, 1, 2, 9, 2**30, -(2**30), None]  # every product fits int64
    cs = [cons(cores=v, custodian=None if v is None else str(v)) for v in signed]
    ls = [lic(cores=v, custodian=None if v is None else str(v)) for v in signed]
    for left, right in (
        ("Consumption.CPUCores", "License.CPUCores"),
        ("Consumption.CustodianID", "License.CustodianID"),
    ):
        expr = f"{left} {symbol} {right}"
        check_vectorised(rules(f"Affinity ISNULL({expr}), 3", f"Affinity {expr} > 3, 5"), cs, ls)
