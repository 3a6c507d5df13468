"""RuleSet.evaluate_pairs: exactly the closures' answers, vectorised wherever numpy can be exact."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcm_opt.domain.org import Dimension, Org
from lcm_opt.domain.scenario import RuleText
from lcm_opt.rules.hierarchy import Hierarchy
from lcm_opt.rules.language import RuleSet, WithinFn, parse_rules, vector_columns
from lcm_opt.rules.language import vector as vector_module
from lcm_opt.rules.language.types import Values
from tests.test_coded_values import as_coded
from tests.test_rules_language import TREES, W, cons, from_file, lic, rules

BENCHMARK_RULES = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"

Raw = dict[str, object]


def values(rs: RuleSet, cs: Sequence[Raw], ls: Sequence[Raw]) -> tuple[list[Values], list[Values]]:
    return [rs.consumption_values(c) for c in cs], [rs.licence_values(x) for x in ls]


def check(
    rs: RuleSet,
    cs: Sequence[Raw],
    ls: Sequence[Raw],
    within: WithinFn = W,
) -> tuple[list[bool], list[int]]:
    """Every (c, l) pair, both ways, both scorings; returns the non-exclusive (ok, score)."""
    cvs, lvs = values(rs, cs, ls)
    ci, li = (a.ravel().astype(np.int64) for a in np.indices((len(cvs), len(lvs))))
    found: tuple[list[bool], list[int]] = ([], [])
    for exclusive in (True, False):
        ok, score = rs.evaluate_pairs(cvs, lvs, ci, li, within, exclusive)
        assert ok.dtype == np.bool_ and score.dtype == np.int64
        pairs = list(zip(ci.tolist(), li.tolist(), strict=True))
        want_ok = [rs.requirements_ok(cvs[c], lvs[x], within) for c, x in pairs]
        want_score = [rs.score(cvs[c], lvs[x], within, exclusive) for c, x in pairs]
        assert ok.tolist() == want_ok
        assert score.tolist() == want_score
        # scored only where ok or marked: the same answers there, 0 elsewhere
        marked = (ci + 2 * li) % 3 == 0
        ok, score = rs.pair_evaluator(cvs, lvs, within, exclusive)(ci, li, marked)
        assert ok.tolist() == want_ok
        wanted = zip(want_score, want_ok, marked.tolist(), strict=True)
        assert score.tolist() == [s if good or m else 0 for s, good, m in wanted]
        # the consumption side held as codes: the same answers
        ok, score = rs.evaluate_pairs(as_coded(cvs), lvs, ci, li, within, exclusive)
        assert (ok.tolist(), score.tolist()) == (want_ok, want_score)
        found = (want_ok, want_score)
    return found


def _refuse(*args: object) -> bool:
    raise AssertionError("a closure ran: this rule should have been vectorised")


def vector_only(rs: RuleSet) -> RuleSet:
    """The same rule set whose closures refuse to run inside evaluate_pairs."""
    return dataclasses.replace(
        rs,
        _requirements=tuple(_refuse for _ in rs._requirements),
        _affinities=tuple((_refuse, w) for _, w in rs._affinities),
    )


def check_vectorised(rs: RuleSet, cs: Sequence[Raw], ls: Sequence[Raw]) -> None:
    want = check(rs, cs, ls)
    cvs, lvs = values(rs, cs, ls)
    ci, li = (a.ravel().astype(np.int64) for a in np.indices((len(cvs), len(lvs))))
    ok, score = vector_only(rs).evaluate_pairs(cvs, lvs, ci, li, W, False)
    assert (ok.tolist(), score.tolist()) == want


def fallbacks(rs: RuleSet, cs: Sequence[Raw], ls: Sequence[Raw]) -> int:
    """How many closure calls evaluate_pairs made (after checking its answers)."""
    check(rs, cs, ls)
    calls = [0]

    def counting(pred: object) -> object:
        def run(*args: object) -> bool:
            calls[0] += 1
            return pred(*args)  # type: ignore[operator, no-any-return]

        return run

    counted = dataclasses.replace(
        rs,
        _requirements=tuple(counting(p) for p in rs._requirements),  # type: ignore[misc]
        _affinities=tuple((counting(p), w) for p, w in rs._affinities),  # type: ignore[misc]
    )
    cvs, lvs = values(rs, cs, ls)
    ci, li = (a.ravel().astype(np.int64) for a in np.indices((len(cvs), len(lvs))))
    counted.evaluate_pairs(cvs, lvs, ci, li, W, False)
    return calls[0]


# --- data for the unit tests ---------------------------------------------------------------------

ORG_VALUES = [None, "Corporate", "Marketing", "SEO", "Sales", "Nowhere"]
CS = [
    cons(cores=c, processors=p, department=d, location=loc, user=u, custodian=cu, virtual=v)
    for c, p, d, loc, u, cu, v in [
        (8, 2, "SEO", "LF2", "u1", 5, 0),
        (None, 1, "Marketing", "London", "u2", 0, 1),
        (-3, None, None, None, None, None, 0),
        (16, 4, "Corporate", "Bath", "12", 12, 1),
        (0, 0, "Nowhere", "LF2", "", -7, 0),
    ]
]
LS = [
    lic(cores=c, department=d, location=loc, contract=k, custodian=cu, is_core=i)
    for c, d, loc, k, cu, i in [
        (8, "Marketing", "London", "k1", 5, 1),
        (None, None, None, None, None, 0),
        (0, "SEO", "LF2", "12", 3, 0),
        (-2, "Corporate", "Bath", "", 12, 1),
    ]
]

VECTORISED = [
    # comparisons: int, str, int against numeric / textual strings, NULL on either side
    "Consumption.CPUCores = License.CPUCores",
    "License.CPUCores < Consumption.CPUCores",
    "Consumption.CPUCores >= 0",
    "8 <= Consumption.CPUCores",
    "Consumption.UserID <> License.ContractID",
    "Consumption.UserID > 'u1'",
    "Consumption.UserID = 12",
    "Consumption.UserID < 13",
    "Consumption.UserID != License.CPUCores",
    "Consumption.CPUCores = '8'",
    "Consumption.CPUCores = NULL",
    "NULL <> License.CPUCores",
    "License.ContractID = Consumption.CustodianID",
    # within, either direction, both operands on one side
    "Consumption.DepartmentID within License.DepartmentID",
    "License.DepartmentID within Consumption.DepartmentID",
    "Consumption.LocationID within Consumption.LocationID",
    "License.CostCentreID within License.CostCentreID",
    # logic, IIF, ISNULL
    "NOT Consumption.CPUCores = 8",
    "Consumption.CPUCores > 4 AND License.CPUCores > 4",
    "Consumption.CPUCores > 4 OR License.CPUCores > 4 OR Consumption.UserID = 'u2'",
    "Consumption.CPUCores > 1 AND License.CPUCores < 9 AND NOT Consumption.IsVirtual = 1",
    "IIF(Consumption.IsVirtual = 1, License.CPUCores, Consumption.CPUCores) = 8",
    "IIF(Consumption.IsVirtual = 1, Consumption.UserID, NULL) = 'u2'",
    "IIF(License.CPUCores > 0, 1 = 1, License.ContractID = '12')",
    "ISNULL(License.CPUCores)",
    "ISNULL(License.CPUCores, Consumption.CPUCores) >= 8",
    "ISNULL(Consumption.UserID, License.ContractID) = '12'",
    "ISNULL(License.CPUCores = 8, Consumption.IsVirtual = 1)",
    "(Consumption.CPUCores = 8) = 1",
    "(Consumption.CPUCores = 8) < License.CPUCores",
    # arithmetic: NULL, truncation toward zero, division by zero, numeric strings
    "Consumption.CPUCores + License.CPUCores = 16",
    "Consumption.CPUCores - License.CPUCores > 0",
    "Consumption.CPUCores * License.CPUCores >= 0",
    "Consumption.CPUCores / License.CPUCores = 1",
    "Consumption.CustodianID / License.CPUCores = -3",
    "-Consumption.CPUCores / 2 = 1",
    "ISNULL(Consumption.CPUCores / License.CPUCores)",
    "Consumption.UserID * 2 = 24",
    "Consumption.UserID - 1 = NULL",
    "ISNULL(License.ContractID - 1)",
]


@pytest.mark.parametrize("cond", VECTORISED)
def test_each_construct_is_vectorised_and_exact(cond: str) -> None:
    for kind in ("Requirement {}", "Affinity {}, 7"):
        check_vectorised(rules(kind.format(cond)), CS, LS)


def test_requirement_null_licence_side_is_true_consumption_side_is_not() -> None:
    rs = rules(
        "Requirement Consumption.LocationID within License.LocationID",
        "Requirement License.CPUCores + 1 > Consumption.CPUCores",
    )
    ok, _ = check(rs, [cons(location="LF2", cores=4), cons(location=None, cores=4)], LS)
    assert ok == [True, True, False, False, False, True, False, False]


def test_bool_set_field_against_int_and_strings() -> None:
    sets = ("Set Consumption.Big = Consumption.CPUCores >= 8",)
    for cond in (
        "Consumption.Big = 1",
        "Consumption.Big = 'True'",
        "Consumption.Big < 'a'",
        "Consumption.Big = License.ContractID",
        "Consumption.Big + 1 = 2",
        "Consumption.Big",
        "Consumption.Big AND License.CPUCores > 0",
    ):
        check_vectorised(rules(*sets, f"Affinity {cond}, 3"), CS, LS)


@pytest.mark.parametrize(
    ("cond", "cs", "ls"),
    [
        # a column of ints and strings (Set field), and Python ints beyond int64
        (
            "Consumption.Mix = License.CPUCores",
            [cons(virtual=1, cores=8), cons(virtual=0, user="x")],
            [lic(cores=8)],
        ),
        ("Consumption.CustodianID = License.CustodianID", [cons(custodian=2**70)], [lic()]),
        # int64 overflow: + - * / and unary minus
        ("Consumption.CustodianID * 4 > 0", [cons(custodian=2**62)], [lic()]),
        ("Consumption.CustodianID + License.CustodianID > 0", [cons(custodian=2**63 - 1)], LS),
        ("Consumption.CustodianID - 1 < 0", [cons(custodian=-(2**63))], [lic()]),
        ("-Consumption.CustodianID > 0", [cons(custodian=-(2**63))], [lic()]),
        ("Consumption.CustodianID / -1 > 0", [cons(custodian=-(2**63))], [lic()]),
        ("Consumption.UserID = 99999999999999999999", [cons(user="9")], [lic()]),
        ("Consumption.UserID + 1 = 2", [cons(user="99999999999999999999")], [lic()]),
        # string concatenation, and ordering an int array against text
        ("Consumption.UserID + License.ContractID = 'ab'", [cons(user="a")], [lic(contract="b")]),
        ("Consumption.CPUCores + 0 < Consumption.UserID", [cons(cores=1, user="a")], [lic()]),
        # two types out of IIF
        ("IIF(License.CPUCores = 1, 5, 'x') = 5", [cons()], [lic(cores=1), lic(cores=2)]),
    ],
)
def test_what_numpy_cannot_answer_runs_the_closure(cond: str, cs: list[Raw], ls: list[Raw]) -> None:
    sets = (
        "Set Consumption.Mix = IIF(Consumption.IsVirtual = 1, Consumption.CPUCores, "
        "Consumption.UserID)",
    )
    assert fallbacks(rules(*sets, f"Requirement {cond}"), cs, ls) > 0
    assert fallbacks(rules(*sets, f"Affinity {cond}, 5"), cs, ls) > 0


def test_large_values_that_fit_stay_vectorised() -> None:
    cs = [cons(custodian=2**62 + 5), cons(custodian=-(2**63) + 1)]
    for cond in (
        "Consumption.CustodianID / License.CustodianID > 0",
        "Consumption.CustodianID + 5 = 4611686018427387914",
        "Consumption.CustodianID * 1 <> 0",
        "Consumption.CustodianID / 2 * 2 > 0",
    ):
        check_vectorised(rules(f"Affinity {cond}, 1"), cs, LS)


def test_division_by_zero_is_null() -> None:
    rs = rules("Affinity ISNULL(Consumption.CPUCores / License.CPUCores), 1")
    _, score = check(rs, [cons(cores=5)], [lic(cores=0), lic(cores=2), lic(cores=None)])
    assert score == [1, 0, 1]


def test_fallback_mixes_with_vectorised_rules_across_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vector_module, "CHUNK", 3)
    rs = rules(
        "Set Consumption.Mix = IIF(Consumption.IsVirtual = 1, Consumption.CPUCores, "
        "Consumption.UserID)",
        "Requirement Consumption.Mix <> License.ContractID",
        "Requirement Consumption.LocationID within License.LocationID",
        "Affinity Consumption.Mix = 8, 100",
        "Affinity Consumption.DepartmentID within License.DepartmentID, 10",
    )
    assert fallbacks(rs, CS, LS) > 0


def test_within_is_asked_once_per_distinct_pair() -> None:
    asked: list[tuple[str, str, bool]] = []

    def counting(dimension: Dimension, a: str, b: str, strict: bool) -> bool:
        asked.append((a, b, strict))
        return W(dimension, a, b, strict)

    rs = rules("Affinity Consumption.DepartmentID within License.DepartmentID, 1")
    check(rs, CS, LS)
    cvs, lvs = values(rs, CS * 50, LS * 50)
    ci, li = (a.ravel().astype(np.int64) for a in np.indices((len(cvs), len(lvs))))
    rs.evaluate_pairs(cvs, lvs, ci, li, counting, True)
    assert len(asked) == len(set(asked)) == 4 * 3  # the non-NULL departments of each side


def test_within_without_the_dense_answer_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many distinct org values: answers are cached per distinct pair instead."""
    monkeypatch.setattr(vector_columns, "_DENSE_WITHIN", 0)
    monkeypatch.setattr(vector_module, "CHUNK", 7)
    for cond in VECTORISED:
        if "within" in cond:
            for kind in ("Requirement {}", "Affinity {}, 7"):
                check_vectorised(rules(kind.format(cond)), CS, LS)


def test_within_answering_other_than_a_bool_runs_the_closure() -> None:
    def sloppy(dimension: Dimension, a: str, b: str, strict: bool) -> bool:
        return 1 if a == b else 0  # type: ignore[return-value]

    rs = rules(
        "Affinity Consumption.DepartmentID within License.DepartmentID "
        "OR Consumption.CPUCores = 8, 1"
    )
    check(rs, CS, LS, within=sloppy)


def test_within_raising_where_the_closures_never_ask_runs_the_closure() -> None:
    def partial(dimension: Dimension, a: str, b: str, strict: bool) -> bool:
        if a == "Nowhere":
            raise KeyError(a)
        return W(dimension, a, b, strict)

    rs = rules(
        "Affinity Consumption.CPUCores = 8 AND Consumption.DepartmentID within "
        "License.DepartmentID, 1"
    )
    _, score = check(rs, CS, LS, within=partial)  # "Nowhere" has 0 cores: never asked
    assert sum(score) == 3  # SEO within Marketing, SEO and Corporate


def test_empty_inputs_and_shapes() -> None:
    rs = from_file("xassets-default.rules")
    cvs, lvs = values(rs, CS, LS)
    empty = np.zeros(0, dtype=np.int64)
    ok, score = rs.evaluate_pairs(cvs, lvs, empty, empty, W, False)
    assert ok.shape == score.shape == (0,)
    none = rules("# nothing")
    ok, score = none.evaluate_pairs(
        [()], [()], np.zeros(2, np.int64), np.zeros(2, np.int64), W, True
    )
    assert ok.tolist() == [True, True] and score.tolist() == [0, 0]
    with pytest.raises(ValueError, match="one length"):
        rs.evaluate_pairs(cvs, lvs, np.zeros(2, np.int64), empty, W, False)


def test_xassets_default_rules_vectorised() -> None:
    rs = from_file("xassets-default.rules")
    org = Org(departments=TREES[Dimension.DEPARTMENT], locations=TREES[Dimension.LOCATION])
    hierarchy = Hierarchy(org)
    rng = np.random.default_rng(7)
    depts = [*ORG_VALUES, "Digital"]
    locs = [None, "London", "LF2", "Bath", "Paris"]
    cs = [
        cons(
            department=depts[rng.integers(len(depts))],
            location=locs[rng.integers(len(locs))],
            cost_centre=["CC", "CC10", None][rng.integers(3)],
            custodian=[None, "u1", "u2"][rng.integers(3)],
            cores=[None, 2, 8, 12, 16, 32][rng.integers(6)],
        )
        for _ in range(60)
    ]
    ls = [
        lic(
            department=depts[rng.integers(len(depts))],
            location=locs[rng.integers(len(locs))],
            cost_centre=["CC", "CC10", None][rng.integers(3)],
            custodian=[None, "u1", "u3"][rng.integers(3)],
            cores=[None, 8, 16][rng.integers(3)],
            is_core=int(rng.integers(2)),
        )
        for _ in range(40)
    ]
    ok, score = check(rs, cs, ls, within=hierarchy.within)
    assert any(ok) and not all(ok) and max(score) > 3000
    cvs, lvs = values(rs, cs, ls)
    ci, li = (a.ravel().astype(np.int64) for a in np.indices((len(cvs), len(lvs))))
    for exclusive in (False, True):
        got = vector_only(rs).evaluate_pairs(cvs, lvs, ci, li, hierarchy.within, exclusive)
        want = rs.evaluate_pairs(cvs, lvs, ci, li, hierarchy.within, exclusive)
        assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


def _benchmark_rules() -> RuleSet:
    source = BENCHMARK_RULES.read_text(encoding="utf-8")
    body = source.split('RULES = """\\\n', 1)[1].split('"""', 1)[0]
    return parse_rules(RuleText(name="bench", lines=tuple(body.splitlines()), source="b.rules"))


@pytest.mark.parametrize("as_text", [False, True])
def test_benchmark_rules_vectorised(as_text: bool) -> None:
    """Custodians as ints (the generated CSV cells) and as the domain's string ids."""
    rs = _benchmark_rules()
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, size=(80, 62))
    ident = str if as_text else int
    cs = [
        cons(
            custodian=ident(sum(1 << s for s in range(62) if row[s])),
            department=f"dep{rng.integers(1, 6)}",
            location=f"loc{rng.integers(1, 5)}",
            cost_centre=f"cc{rng.integers(1, 9)}",
        )
        for row in bits
    ]
    cs.append(cons(custodian=ident(2**62 - 1)))
    ls = [
        lic(
            custodian=ident(1 << s),
            department=f"dep{rng.integers(1, 6)}",
            location=f"loc{rng.integers(1, 5)}",
            cost_centre=f"cc{rng.integers(1, 9)}",
        )
        for s in range(62)
    ]
    check_vectorised(rs, cs, ls)
    ok, _ = check(rs, cs, ls)
    assert ok[:62] == [bool(b) for b in bits[0]]


# --- property: random rule lines over random values ---------------------------------------------

SETS = (
    "Set Consumption.Big = Consumption.PhysicalProcessors >= 2",
    "Set Consumption.Mix = IIF(Consumption.IsVirtual = 1, Consumption.CPUCores, "
    "Consumption.UserID)",
    "Set License.Half = License.CPUCores / 2",
)
C_VALUE_FIELDS = ("CPUCores", "PhysicalProcessors", "IsVirtual", "CustodianID", "UserID", "Mix")
L_VALUE_FIELDS = ("CPUCores", "CustodianID", "ContractID", "IsCoreLicense", "Half")
ORG_FIELDS = ("DepartmentID", "LocationID", "CostCentreID")
OPS = ("=", "<>", "!=", "<", "<=", ">", ">=")
STRINGS = ("''", "'a'", "'B'", "'12'", "' 7'", "'-3'", '"x1"', "'it''s'", "'SEO'")

WORDS = ("", "a", "B", "12", " 7", "-3", "x1", "007", "SEO")
FAMILIES: dict[str, st.SearchStrategy[object]] = {
    "int": st.one_of(st.none(), st.integers(-3, 12), st.sampled_from([2**62, -(2**63)])),
    "str": st.one_of(st.none(), st.sampled_from(WORDS)),
    "any": st.one_of(
        st.none(),
        st.integers(-3, 12),
        st.sampled_from(WORDS),
        st.sampled_from([2**62, -(2**63), 2**63 - 1, 2**70]),
    ),
}
ORG_KEYS = {
    "department": Dimension.DEPARTMENT,
    "location": Dimension.LOCATION,
    "cost_centre": Dimension.COST_CENTRE,
}


@st.composite
def raws(draw: st.DrawFn, keys: Sequence[str], max_size: int) -> list[Raw]:
    """Rows whose columns mostly hold one type (as loaded data does), sometimes several."""
    strategy: dict[str, st.SearchStrategy[object]] = {}
    for key in keys:
        family = draw(st.sampled_from(["int", "int", "str", "str", "any"]))
        if key in ORG_KEYS:
            names = st.sampled_from([*TREES[ORG_KEYS[key]], "Nowhere"])
            strategy[key] = st.one_of(st.none(), names, *([FAMILIES[family]] * (family == "any")))
        else:
            strategy[key] = FAMILIES[family]
    size = draw(st.integers(1, max_size))
    return [draw(st.fixed_dictionaries(strategy)) for _ in range(size)]


def field(side: str, name: str) -> str:
    return f"{side}.{name}"


@st.composite
def value_expr(draw: st.DrawFn, depth: int) -> str:
    kinds = ["field", "field", "int", "str", "null"]
    if depth > 0:
        kinds += ["arith", "neg", "iif", "coalesce", "cond"]
    kind = draw(st.sampled_from(kinds))
    if kind == "field":
        side = draw(st.sampled_from(["Consumption", "License"]))
        names = C_VALUE_FIELDS if side == "Consumption" else L_VALUE_FIELDS
        return field(side, draw(st.sampled_from(names + ORG_FIELDS)))
    if kind == "int":
        return str(draw(st.one_of(st.integers(0, 20), st.sampled_from([2**63 - 1, 2**64]))))
    if kind == "str":
        return draw(st.sampled_from(STRINGS))
    if kind == "null":
        return "NULL"
    a = draw(value_expr(depth - 1))
    if kind == "arith":
        return f"({a} {draw(st.sampled_from('+-*/'))} {draw(value_expr(depth - 1))})"
    if kind == "neg":
        return f"-({a})"
    if kind == "iif":
        return f"IIF({draw(cond_expr(depth - 1))}, {a}, {draw(value_expr(depth - 1))})"
    if kind == "coalesce":
        return f"ISNULL({a}, {draw(value_expr(depth - 1))})"
    return f"({draw(cond_expr(depth - 1))})"


@st.composite
def cond_expr(draw: st.DrawFn, depth: int) -> str:
    kinds = ["compare", "compare", "within"]
    if depth > 0:
        kinds += ["not", "and", "or", "isnull", "iif", "coalesce", "big"]
    kind = draw(st.sampled_from(kinds))
    sub = depth - 1
    if kind == "compare":
        a, b = draw(value_expr(max(sub, 0))), draw(value_expr(max(sub, 0)))
        return f"{a} {draw(st.sampled_from(OPS))} {b}"
    if kind == "within":
        name = draw(st.sampled_from(ORG_FIELDS))
        sides = draw(st.lists(st.sampled_from(["Consumption", "License"]), min_size=2, max_size=2))
        return f"{sides[0]}.{name} within {sides[1]}.{name}"
    if kind == "not":
        return f"NOT ({draw(cond_expr(sub))})"
    if kind in ("and", "or"):
        parts = draw(st.lists(cond_expr(sub), min_size=2, max_size=4))
        return f" {kind.upper()} ".join(f"({p})" for p in parts)
    if kind == "isnull":
        return f"ISNULL({draw(value_expr(sub))})"
    if kind == "iif":
        c, a, b = (draw(cond_expr(sub)) for _ in range(3))
        return f"IIF({c}, {a}, {b})"
    if kind == "coalesce":
        return f"ISNULL({draw(cond_expr(sub))}, {draw(cond_expr(sub))})"
    return "Consumption.Big"


@st.composite
def rule_lines(draw: st.DrawFn) -> list[str]:
    reqs = draw(st.lists(cond_expr(2), max_size=2))
    affs = draw(st.lists(st.tuples(cond_expr(2), st.integers(-5, 1000)), min_size=1, max_size=3))
    return [f"Requirement {c}" for c in reqs] + [f"Affinity {c}, {w}" for c, w in affs]


@given(lines=rule_lines(), cs=raws(list(cons()), 6), ls=raws(list(lic()), 5))
def test_random_rules_match_the_closures(lines: list[str], cs: list[Raw], ls: list[Raw]) -> None:
    check(rules(*SETS, *lines), cs, ls)


class _Text(str):
    """Text of another type, equal to the plain text it holds."""


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["a", None, "b", "a"], "str"),
        ([None, "a", None], "str"),
        (["a", 1, "b"], "obj"),
        (["a", True], "obj"),
        (["a", 1.5], "obj"),
        (["a", ["x"]], "obj"),
        (["a", _Text("b")], "obj"),
        ([None, None], "null"),
        ([1, None, 2], "int"),
        ([True, False], "bool"),
        ([], "null"),
    ],
)
def test_a_column_is_of_text_only_where_every_value_is(values: list[object], kind: str) -> None:
    """The kind is read from the exact types of the values, whatever their order and
    however few are distinct; text columns code each text by first appearance."""
    col = vector_columns.column(values)
    assert col.kind == kind
    if kind == "str":
        names = [v for v in dict.fromkeys(values) if v is not None]
        assert list(col.names) == names
        assert col.null.tolist() == [v is None for v in values]
        given = [(c, v) for c, v in zip(col.data.tolist(), values, strict=True) if v is not None]
        assert [names[c] for c, _ in given] == [v for _, v in given]
