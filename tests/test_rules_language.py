"""The rule language (R12-R24, A5-A8, A15, A38, A39): exact pass/fail pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.org import Dimension
from lcm_opt.domain.scenario import RuleText
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.rules.language import (
    RuleSet,
    WithinFn,
    consumption_raw,
    licence_raw,
    parse_rules,
)

RULESETS = Path(__file__).resolve().parents[1] / "src" / "lcm_opt" / "data" / "rulesets"

# Corporate > Marketing > Digital > SEO; Corporate > Sales.  London > London Floor 2.
TREES: dict[Dimension, dict[str, str | None]] = {
    Dimension.DEPARTMENT: {
        "Corporate": None,
        "Marketing": "Corporate",
        "Digital": "Marketing",
        "SEO": "Digital",
        "Sales": "Corporate",
    },
    Dimension.LOCATION: {"London": None, "LF2": "London", "Bath": None},
    Dimension.COST_CENTRE: {"CC": None, "CC10": "CC"},
}


def within(dimension: Dimension, a: str, b: str, strict: bool) -> bool:
    """Tiny WithinFn over child -> parent dicts (R15)."""
    if a == b:
        return not strict
    parents = TREES[dimension]
    node = parents.get(a)
    while node is not None:
        if node == b:
            return True
        node = parents.get(node)
    return False


W: WithinFn = within


def rules(*lines: str, source: str = "t.rules") -> RuleSet:
    return parse_rules(RuleText(name="t", lines=lines, source=source))


def from_file(name: str) -> RuleSet:
    path = RULESETS / name
    text = path.read_text(encoding="utf-8").splitlines()
    return parse_rules(RuleText(name=path.stem, lines=tuple(text), source=str(path)))


@pytest.fixture(scope="module")
def default() -> RuleSet:
    return from_file("xassets-default.rules")


def cons(**kw: object) -> dict[str, object]:
    base: dict[str, object] = dict.fromkeys(
        (
            "location",
            "department",
            "cost_centre",
            "custodian",
            "cores",
            "processors",
            "user",
            "asset",
            "product",
        )
    )
    base["virtual"] = 0
    base.update(kw)
    return base


def lic(**kw: object) -> dict[str, object]:
    base: dict[str, object] = dict.fromkeys(
        ("location", "department", "cost_centre", "custodian", "cores", "product", "contract")
    )
    base["is_core"] = 0
    base.update(kw)
    return base


def pair_score(rs: RuleSet, c: dict[str, object], l_: dict[str, object], ex: bool = False) -> int:
    return rs.score(rs.consumption_values(c), rs.licence_values(l_), W, ex)


def passes(rs: RuleSet, c: dict[str, object], l_: dict[str, object]) -> bool:
    return rs.requirements_ok(rs.consumption_values(c), rs.licence_values(l_), W)


def aff(cond: str, *sets: str) -> RuleSet:
    return rules(*sets, f"Affinity {cond}, 1")


def req(cond: str, *sets: str) -> RuleSet:
    return rules(*sets, f"Requirement {cond}")


# --- operators (R24) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cond", "c", "hit"),
    [
        ("Consumption.CPUCores = 8", 8, True),
        ("Consumption.CPUCores = 8", 9, False),
        ("Consumption.CPUCores <> 8", 9, True),
        ("Consumption.CPUCores <> 8", 8, False),
        ("Consumption.CPUCores != 8", 9, True),
        ("Consumption.CPUCores < 8", 7, True),
        ("Consumption.CPUCores < 8", 8, False),
        ("Consumption.CPUCores <= 8", 8, True),
        ("Consumption.CPUCores <= 8", 9, False),
        ("Consumption.CPUCores > 8", 9, True),
        ("Consumption.CPUCores > 8", 8, False),
        ("Consumption.CPUCores >= 8", 8, True),
        ("Consumption.CPUCores >= 8", 7, False),
        ("Consumption.CPUCores + 2 = 10", 8, True),
        ("Consumption.CPUCores - 2 = 6", 8, True),
        ("Consumption.CPUCores * 2 = 16", 8, True),
        ("Consumption.CPUCores / 3 = 2", 8, True),  # integer division
        ("-Consumption.CPUCores / 3 = -2", 8, True),  # truncates toward zero
        ("2 + 3 * Consumption.CPUCores = 26", 8, True),  # precedence
        ("(2 + 3) * Consumption.CPUCores = 40", 8, True),
        ("Consumption.CPUCores > 4 AND Consumption.CPUCores < 16", 8, True),
        ("Consumption.CPUCores > 4 AND Consumption.CPUCores < 8", 8, False),
        ("Consumption.CPUCores < 4 OR Consumption.CPUCores = 8", 8, True),
        ("Consumption.CPUCores < 4 OR Consumption.CPUCores > 8", 8, False),
        ("NOT Consumption.CPUCores = 8", 8, False),
        ("NOT Consumption.CPUCores = 8", 9, True),
        ("IIF(Consumption.CPUCores >= 16, 1, 0) = 1", 16, True),
        ("IIF(Consumption.CPUCores >= 16, 1, 0) = 1", 15, False),
        ("ISNULL(Consumption.CPUCores)", None, True),
        ("ISNULL(Consumption.CPUCores)", 8, False),
        ("ISNULL(Consumption.CPUCores, 99) = 99", None, True),  # T-SQL two-argument form
        ("Consumption.CPUCores = '8'", 8, True),  # int vs digit string compares equal
        (
            "Consumption.CPUCores > 4 AND Consumption.CPUCores < 16 AND Consumption.CPUCores <> 7",
            8,
            True,
        ),  # n-ary chain
        (
            "Consumption.CPUCores < 4 OR Consumption.CPUCores = 7 OR Consumption.CPUCores = 8",
            8,
            True,
        ),
        (
            "Consumption.CPUCores < 4 OR Consumption.CPUCores = 7 OR Consumption.CPUCores = 9",
            8,
            False,
        ),
    ],
)
def test_r24_operators(cond: str, c: object, hit: bool) -> None:
    rs = aff(cond)
    assert pair_score(rs, cons(cores=c), lic()) == (1 if hit else 0)


def test_r24_keywords_case_insensitive_and_licence_spelling() -> None:
    rs = rules(
        "set licence.Big = iif(LICENCE.cpucores >= 16, 1, 0)  # trailing comment",
        "affinity License.BIG = 1 and consumption.DEPARTMENTid = 'Sales', 7",
    )
    assert pair_score(rs, cons(department="Sales"), lic(cores=16)) == 7
    assert pair_score(rs, cons(department="Sales"), lic(cores=8)) == 0


def test_r24_strings_both_quotes_and_escape() -> None:
    rs = aff("Consumption.CustodianID = 'O''Neil' OR Consumption.CustodianID = \"Bob\"")
    assert pair_score(rs, cons(custodian="O'Neil"), lic()) == 1
    assert pair_score(rs, cons(custodian="Bob"), lic()) == 1
    assert pair_score(rs, cons(custodian="Ann"), lic()) == 0


def test_r24_division_by_zero_is_null() -> None:
    assert pair_score(aff("ISNULL(Consumption.CPUCores / 0)"), cons(cores=8), lic()) == 1
    assert pair_score(aff("Consumption.CPUCores / 0 = 0"), cons(cores=8), lic()) == 0


def test_r22_set_fields_chain_and_is_virtual() -> None:
    rs = rules(
        "Set Consumption.Double = Consumption.CPUCores * 2",
        "Set Consumption.Big = IIF(Consumption.Double >= 32 AND Consumption.IsVirtual = 0, 1, 0)",
        "Affinity Consumption.Big = 1, 5",
    )
    assert pair_score(rs, cons(cores=16), lic()) == 5
    assert pair_score(rs, cons(cores=16, virtual=True), lic()) == 0
    assert pair_score(rs, cons(cores=15), lic()) == 0


def test_r22_self_copy_is_no_op() -> None:
    rs = rules(
        "Set License.IsCoreLicense = License.IsCoreLicense", "Affinity License.IsCoreLicense = 1, 9"
    )
    assert pair_score(rs, cons(), lic(is_core=1)) == 9
    assert pair_score(rs, cons(), lic(is_core=0)) == 0


# --- NULL (A5) ----------------------------------------------------------------------------------


def test_a5_affinity_fires_only_when_true() -> None:
    rs = aff("Consumption.DepartmentID = License.DepartmentID")
    assert pair_score(rs, cons(department="Sales"), lic(department="Sales")) == 1
    assert pair_score(rs, cons(department=None), lic(department=None)) == 0
    assert pair_score(rs, cons(department="Sales"), lic(department=None)) == 0
    assert pair_score(rs, cons(department=None), lic(department="Sales")) == 0


def test_a5_not_null_is_null_and_three_valued_logic() -> None:
    c, l_ = cons(cores=None), lic()
    assert pair_score(aff("NOT Consumption.CPUCores = 8"), c, l_) == 0  # NOT NULL = NULL
    assert pair_score(aff("NOT (Consumption.CPUCores = 8 AND 1 = 0)"), c, l_) == 1  # F AND N = F
    assert pair_score(aff("Consumption.CPUCores = 8 OR 1 = 1"), c, l_) == 1  # N OR T = T
    assert pair_score(aff("NOT (Consumption.CPUCores = 8 OR 1 = 0)"), c, l_) == 0  # N OR F = N
    assert pair_score(aff("Consumption.CPUCores = NULL"), c, l_) == 0  # NULL = NULL is NULL
    assert pair_score(aff("ISNULL(Consumption.CPUCores + 1)"), c, l_) == 1  # arithmetic


def test_r13_a5_requirement_null_licence_side_passes() -> None:
    rs = req("Consumption.DepartmentID = License.DepartmentID")
    assert passes(rs, cons(department="Sales"), lic(department="Sales"))
    assert not passes(rs, cons(department="Sales"), lic(department="HR"))
    assert passes(rs, cons(department="Sales"), lic(department=None))  # unscoped licence
    assert passes(rs, cons(department=None), lic(department=None))
    assert not passes(rs, cons(department=None), lic(department="Sales"))  # A5


def test_r13_a5_requirement_null_licence_side_reversed_and_other_ops() -> None:
    rs = req("License.CPUCores <= Consumption.CPUCores")
    assert passes(rs, cons(cores=8), lic(cores=None))
    assert passes(rs, cons(cores=8), lic(cores=4))
    assert not passes(rs, cons(cores=8), lic(cores=16))
    assert not passes(rs, cons(cores=None), lic(cores=4))


def test_a5_requirement_null_consumption_only_fails() -> None:
    rs = req("Consumption.CPUCores >= 4")
    assert passes(rs, cons(cores=4), lic())
    assert not passes(rs, cons(cores=None), lic())


def test_r17_sentinel_pattern() -> None:
    rs = rules(
        "Set Consumption.DeptScope = "
        "IIF(Consumption.ProductID = 'P1', Consumption.DepartmentID, -1)",
        "Set License.DeptScope = IIF(License.ProductID = 'P1', License.DepartmentID, -1)",
        "Requirement Consumption.DeptScope = License.DeptScope",
    )
    p1 = {"product": "P1"}
    assert passes(rs, cons(department="Sales", **p1), lic(department="Sales", **p1))
    assert not passes(rs, cons(department="HR", **p1), lic(department="Sales", **p1))
    assert passes(rs, cons(department="HR", **p1), lic(department=None, **p1))  # unscoped
    p2 = {"product": "P2"}
    assert passes(rs, cons(department="HR", **p2), lic(department="Sales", **p2))  # unflagged


# --- within (R12, R15, A6) ----------------------------------------------------------------------


def test_r12_r13_location_requirement_table(default: RuleSet) -> None:
    assert passes(default, cons(location="LF2"), lic(location="LF2"))  # exact
    assert passes(default, cons(location="LF2"), lic(location="London"))  # within
    assert not passes(default, cons(location="Bath"), lic(location="London"))
    assert passes(default, cons(location="Bath"), lic(location=None))  # unscoped
    assert not passes(default, cons(location=None), lic(location="London"))  # A5
    assert not passes(default, cons(location="London"), lic(location="LF2"))  # ancestor
    assert default.has_requirements()


def test_r15_within_depth_direction_siblings() -> None:
    rs = aff("Consumption.DepartmentID within License.DepartmentID")
    c = cons(department="Digital")
    assert pair_score(rs, c, lic(department="Marketing")) == 1  # parent
    assert pair_score(rs, c, lic(department="Corporate")) == 1  # grandparent (A16)
    assert pair_score(rs, c, lic(department="Digital")) == 1  # equal, inclusive
    assert pair_score(rs, c, lic(department="SEO")) == 0  # consumption is the ancestor
    assert pair_score(rs, c, lic(department="Sales")) == 0  # sibling branch
    assert pair_score(rs, c, lic(department=None)) == 0  # A5


def test_a6_exclusive_within_is_strict_in_affinity_only() -> None:
    rs = rules(
        "Requirement Consumption.LocationID within License.LocationID",
        "Affinity Consumption.LocationID within License.LocationID, 400",
    )
    same = (cons(location="LF2"), lic(location="LF2"))
    child = (cons(location="LF2"), lic(location="London"))
    assert pair_score(rs, *same, ex=False) == 400
    assert pair_score(rs, *same, ex=True) == 0
    assert pair_score(rs, *child, ex=True) == 400
    assert passes(rs, *same)  # requirement stays inclusive


def test_a6_table_default_rules(default: RuleSet) -> None:
    """A6 effective default scores (stacking) and their exclusive counterparts."""
    rows = [
        (cons(department="Marketing"), lic(department="Marketing"), 4500, 3000),
        (cons(department="Digital"), lic(department="Marketing"), 1500, 1500),
        (cons(location="LF2"), lic(location="LF2"), 1200, 800),
        (cons(location="LF2"), lic(location="London"), 400, 400),
        (cons(cost_centre="CC10"), lic(cost_centre="CC10"), 500, 300),
        (cons(cost_centre="CC10"), lic(cost_centre="CC"), 200, 200),
        (cons(custodian="Alice"), lic(custodian="Alice"), 1000, 1000),
        (cons(cores=12), lic(cores=12), 1500, 1500),  # A7
        (cons(cores=32), lic(is_core=0), 1000, 1000),  # A8 big box, server licence
        (cons(cores=8), lic(is_core=1), 1000, 1000),  # A8 small box, core licence
    ]
    for c, l_, stack, exclusive in rows:
        assert pair_score(default, c, l_) == stack, (c, l_)
        assert pair_score(default, c, l_, ex=True) == exclusive, (c, l_)
    assert default.max_score == 10700  # sum of positive weights; the reachable max is 9700
    best = pair_score(
        default,
        cons(department="Sales", location="LF2", cost_centre="CC10", custodian="A", cores=32),
        lic(department="Sales", location="LF2", cost_centre="CC10", custodian="A", cores=32),
    )
    assert best == 9700  # A6 maximum


def test_a7_cores_rule_needs_licence_cores(default: RuleSet) -> None:
    assert pair_score(default, cons(cores=12), lic(cores=None)) == 0
    assert pair_score(default, cons(cores=12), lic(cores=16)) == 0


def test_e6_score_arithmetic(default: RuleSet) -> None:
    c = cons(
        department="Marketing", location="LF2", cost_centre="CC10", custodian="Alice", cores=12
    )
    l1 = lic(department="Marketing")
    l2 = lic(location="LF2", custodian="Alice")
    l3 = lic(department="Corporate", location="London", cost_centre="CC10")
    assert [pair_score(default, c, x) for x in (l1, l2, l3)] == [4500, 2200, 2400]
    # E6 exclusive reading "3000 / 2200 / 1800" lists L1, L3, L2 (ranking order)
    assert [pair_score(default, c, x, ex=True) for x in (l1, l3, l2)] == [3000, 2200, 1800]


def test_e16_server_vs_core_preference(default: RuleSet) -> None:
    l_core, l_proc = lic(is_core=1), lic(is_core=0)
    s1, s2, s3 = cons(cores=32, processors=2), cons(cores=4, processors=1), cons(cores=12)
    assert (pair_score(default, s1, l_core), pair_score(default, s1, l_proc)) == (0, 1000)
    assert (pair_score(default, s2, l_core), pair_score(default, s2, l_proc)) == (1000, 0)
    assert (pair_score(default, s3, l_core), pair_score(default, s3, l_proc)) == (0, 0)


@pytest.mark.parametrize("cores", [9, 12, 15, None])
def test_a8_mid_size_and_unknown_boxes_get_neither(default: RuleSet, cores: int | None) -> None:
    for is_core in (0, 1):
        assert pair_score(default, cons(cores=cores), lic(is_core=is_core)) == 0


@pytest.mark.parametrize(("cores", "server", "core"), [(8, 0, 1000), (16, 1000, 0)])
def test_a8_boundaries(default: RuleSet, cores: int, server: int, core: int) -> None:
    assert pair_score(default, cons(cores=cores), lic(is_core=0)) == server
    assert pair_score(default, cons(cores=cores), lic(is_core=1)) == core


def test_recipe2_custodian_4000() -> None:
    rs = from_file("xassets-custodian-4000.rules")
    assert pair_score(rs, cons(custodian="Alice"), lic(custodian="Alice")) == 4000
    assert pair_score(rs, cons(department="Sales"), lic(department="Sales")) == 4500  # A6


def test_domain_helpers_match_raw_keys(default: RuleSet) -> None:
    c = Consumption(id="c1", product="P", department="Sales", cores=4)
    core = Licence(id="l1", product="P", type="core4", seats=8, department="Sales")
    assert licence_raw(core)["is_core"] == 1
    assert licence_raw(core.model_copy(update={"type": "PROCESSOR"}))["is_core"] == 0
    cv = default.consumption_values(consumption_raw(c))
    assert default.score(cv, default.licence_values(licence_raw(core)), W, False) == 5500


# --- class keys and field sets ------------------------------------------------------------------


def test_class_key_ignores_unread_attributes(default: RuleSet) -> None:
    a = cons(department="Sales", cores=12, asset="A1", user="u1", processors=2, product="P")
    b = cons(department="Sales", cores=12, asset="A2", user="u9", processors=4, product="Q")
    assert default.consumption_values(a) == default.consumption_values(b)
    assert hash(default.consumption_values(a)) == hash(default.consumption_values(b))
    assert default.consumption_values(a) != default.consumption_values(cons(department="HR"))


def test_field_sets(default: RuleSet) -> None:
    assert default.consumption_fields == {
        "department",
        "location",
        "cost_centre",
        "custodian",
        "cores",
    }
    assert default.licence_fields == {
        "department",
        "location",
        "cost_centre",
        "custodian",
        "cores",
        "is_core",
    }
    rs = rules("Set Consumption.X = Consumption.AssetID", "Affinity Consumption.X = '1', 1")
    assert rs.consumption_fields == {"asset"} and rs.licence_fields == frozenset()
    assert not rs.has_requirements()


# --- errors -------------------------------------------------------------------------------------


def error(*lines: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        rules(*lines, source="r.rules")
    return info.value


def test_syntax_error_names_line_and_token() -> None:
    e = error("# header", "", "Affinity Consumption.CPUCores = = 3, 10")
    assert e.where == "r.rules:3" and e.field == "="
    assert "r.rules:3" in str(e) and "syntax error" in str(e)
    assert "Requirement <condition>" in e.message


def test_unknown_keyword_is_syntax_error() -> None:
    e = error("Prefer Consumption.CPUCores = 3")
    assert e.where == "r.rules:1" and "Prefer" in e.field


def test_unknown_field() -> None:
    e = error("Requirement Consumption.Colour = License.LocationID")
    assert (e.where, e.field) == ("r.rules:1", "Consumption.Colour")
    assert "DepartmentID" in e.message and "r.rules:1" in str(e)


def test_is_server_license_is_not_built_in() -> None:
    e = error("Affinity License.IsServerLicense = 1, 5")
    assert e.field == "License.IsServerLicense" and "Set" in e.message


def test_set_reading_other_side() -> None:
    e = error("Set Consumption.Mine = IIF(License.CPUCores > 4, 1, 0)")
    assert (e.where, e.field) == ("r.rules:1", "License.CPUCores")
    assert "may read only Consumption fields" in e.message


def test_set_forward_reference_and_redefinition() -> None:
    e = error("Set Consumption.A = Consumption.B", "Set Consumption.B = 1")
    assert (e.where, e.field) == ("r.rules:1", "Consumption.B")
    e = error("Set Consumption.A = 1", "Set Consumption.a = 2")
    assert (e.where, e.field) == ("r.rules:2", "Consumption.a") and "line 1" in e.message
    e = error("Set License.IsCoreLicense = 1")
    assert e.field == "License.IsCoreLicense" and "self-copy" in e.message


def test_r15_within_on_calculated_field_rejected() -> None:
    e = error(
        "Set Consumption.Dept = Consumption.DepartmentID",
        "Requirement Consumption.Dept within License.DepartmentID",
    )
    assert (e.where, e.field) == ("r.rules:2", "Consumption.Dept")
    assert "calculated" in e.message and "R15" in e.message


@pytest.mark.parametrize(
    ("cond", "bad"),
    [
        ("Consumption.CPUCores within License.CPUCores", "Consumption.CPUCores"),
        ("Consumption.LocationID within License.DepartmentID", "License.DepartmentID"),
        ("Consumption.LocationID within IIF(1 = 1, License.LocationID, NULL)", "IIF("),
    ],
)
def test_r15_within_needs_same_hierarchy_field(cond: str, bad: str) -> None:
    e = error(f"Affinity {cond}, 5")
    assert e.where == "r.rules:1" and e.field.startswith(bad)


def test_bad_weights() -> None:
    assert "integer weight" in error("Affinity Consumption.CPUCores = 8").message
    e = error("Affinity Consumption.CPUCores = 8, 1.5")
    assert e.field == "1.5" and "integer" in e.message
    e = error("Affinity Consumption.CPUCores = 8, Consumption.CPUCores")
    assert e.field == "Consumption.CPUCores"
    assert "no weight" in error("Requirement Consumption.CPUCores = 8, 5").message
    assert rules("Affinity Consumption.CPUCores = 8, -200").max_score == 0


def test_several_errors_reported_together() -> None:
    e = error("Requirement Consumption.X = 1", "Affinity Consumption.CPUCores = 8, 5", "Bad")
    assert isinstance(e, ScenarioErrors)
    assert [x.where for x in e.errors] == ["r.rules:1", "r.rules:3"]


# --- shape and conditions: never a RecursionError, never Python truthiness ----------------------


def test_long_and_or_chains_compile_and_evaluate() -> None:
    """500 terms (RecursionError before): a chain is one n-ary node, evaluated left to right."""
    terms = [f"Consumption.CPUCores <> {i}" for i in range(500)]
    rs = req(" AND ".join(terms))
    assert passes(rs, cons(cores=500), lic())
    assert not passes(rs, cons(cores=499), lic())
    assert not passes(rs, cons(cores=None), lic())  # NULL AND ... is not TRUE
    nested = "(" * 200 + "Consumption.CPUCores = 8 OR 1 = 0" + ")" * 200 + " AND 1 = 1" * 200
    assert passes(req(nested), cons(cores=8), lic())
    assert not passes(req(nested), cons(cores=7), lic())
    rs = aff(" OR ".join(f"Consumption.CPUCores = {i}" for i in range(3000)))
    assert pair_score(rs, cons(cores=2999), lic()) == 1
    assert pair_score(rs, cons(cores=3000), lic()) == 0


@pytest.mark.parametrize(
    ("a", "b", "c", "conj", "disj"),
    [
        (True, True, True, 1, 1),
        (True, None, True, 0, 1),
        (None, False, None, 0, 0),  # AND: FALSE wins over NULL; OR: N OR F OR N = NULL
        (False, False, False, 0, 0),
        (None, None, True, 0, 1),
    ],
)
def test_a5_three_valued_chains(
    a: bool | None, b: bool | None, c: bool | None, conj: int, disj: int
) -> None:
    """Each operand is `Consumption.X = 1` with X = 1 (TRUE), 0 (FALSE) or NULL."""
    names = ("CPUCores", "PhysicalProcessors", "IsVirtual")
    raw = {"cores": a, "processors": b, "virtual": c}
    consumption = cons(**{k: None if v is None else int(v) for k, v in raw.items()})
    ops = [f"Consumption.{n} = 1" for n in names]
    for rs, want in ((aff(" AND ".join(ops)), conj), (aff(" OR ".join(ops)), disj)):
        assert pair_score(rs, consumption, lic()) == want


@pytest.mark.parametrize(
    "line",
    [
        "Requirement " + "NOT " * 3000 + "Consumption.CPUCores = 1",
        "Requirement " + "-" * 200 + "Consumption.CPUCores = 1",
        "Affinity " + "IIF(1 = 1, " * 150 + "1 = 1" + ", 1 = 0)" * 150 + ", 5",
        "Set Consumption.X = " + " + ".join(["1"] * 1000),
    ],
)
def test_too_deeply_nested_is_an_error_at_the_line(line: str) -> None:
    e = error("# deep", line)
    assert e.where == "r.rules:2" and e.field == line.split()[0]
    assert "too deeply nested" in e.message and "at most 100" in e.message


def test_nesting_up_to_the_limit_is_fine() -> None:
    rs = aff("NOT " * 98 + "Consumption.CPUCores = 8")  # 98 NOT, the comparison, the field
    assert pair_score(rs, cons(cores=8), lic()) == 1


@pytest.mark.parametrize(
    ("cond", "bad", "top"),
    [
        ("'x'", "'x'", True),
        ("2", "2", True),
        ("NULL", "NULL", True),
        ("Consumption.DepartmentID", "Consumption.DepartmentID", True),
        ("Consumption.CPUCores + 1", "Consumption.CPUCores + 1", True),
        ("IIF(Consumption.CPUCores > 4, 1, 0)", "1", False),
        ("ISNULL(Consumption.CPUCores, 0)", "Consumption.CPUCores", False),
        ("NOT Consumption.IsVirtual", "Consumption.IsVirtual", False),
        ("1 = 1 AND Consumption.DepartmentID", "Consumption.DepartmentID", False),
        ("IIF(Consumption.DepartmentID, 1, 0) = 1", "Consumption.DepartmentID", False),
    ],
)
def test_condition_must_be_true_or_false(cond: str, bad: str, top: bool) -> None:
    """A value in a condition position was judged by Python truthiness ('0' was TRUE)."""
    for line in (f"Requirement {cond}", f"Affinity {cond}, 5"):
        e = error(line)
        assert (e.where, e.field) == ("r.rules:1", bad)
        assert "not a condition" in e.message and "comparison" in e.message
        assert ("Requirement or Affinity condition" in e.message) is top


def test_set_condition_fields_and_iif_of_conditions_are_conditions() -> None:
    rs = rules(
        "Set Consumption.Big = Consumption.CPUCores >= 16",
        "Set Consumption.Either = IIF(Consumption.Big, Consumption.IsVirtual = 0, 1 = 0)",
        "Requirement Consumption.Either",
        "Affinity ISNULL(Consumption.CPUCores) OR ISNULL(Consumption.Big, 1 = 1), 3",
    )
    assert passes(rs, cons(cores=16), lic()) and not passes(rs, cons(cores=8), lic())
    assert not passes(rs, cons(cores=16, virtual=True), lic())
    assert pair_score(rs, cons(cores=None), lic()) == 3
    e = error(
        "Set Consumption.Big = IIF(Consumption.CPUCores >= 16, 1, 0)", "Requirement Consumption.Big"
    )
    assert (e.where, e.field) == ("r.rules:2", "Consumption.Big")
    e = error("Set Consumption.Big = NOT Consumption.CPUCores")
    assert (e.where, e.field) == ("r.rules:1", "Consumption.CPUCores")


@pytest.mark.parametrize("weight", ["99999999999999999999999", "-1000000001", "1000000001"])
def test_weight_out_of_range(weight: str) -> None:
    e = error(f"Affinity Consumption.CPUCores = 8, {weight}")
    assert (e.where, e.field) == ("r.rules:1", weight)
    assert "1,000,000,000" in e.message


def test_weight_at_the_bounds() -> None:
    rs = rules(
        "Affinity Consumption.CPUCores = 8, 1000000000",
        "Affinity Consumption.CPUCores = 8, -1000000000",
    )
    assert rs.max_score == 10**9 and pair_score(rs, cons(cores=8), lic()) == 0
