"""Hypothesis strategies that build small, VALID `Scenario` objects directly from domain
types (no file loader), for the property tests in test_properties.py.

Sizes are kept tiny on purpose (<= 3 products, <= 5 licences, <= 10 consumptions): the
properties compare engines against each other and against brute force, so small instances
find the interesting corner cases (pins that fail, full licences, splits, downgrade reach)
while the whole property suite stays fast.

* `unit_scenarios()`: device/user products and licences whose every edge asks 1 unit
  (device-style licence codes for device products, user codes for user products).
* `any_scenarios()`: also core/processor products and CORE/CORE4/PROCESSOR licences, so
  consumptions ask several units and may be split within one split group (A4, A32), and
  device-style licences may cover core products (A9, A44).

Ids mix digit-only and text ids so the natural order of A31 is exercised. `scenario_yaml`
renders a scenario as a scenario file (docs/scenario.md) for failure reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from lcm_opt.domain import (
    Consumption,
    Dimension,
    DirectAssignment,
    DirectOverflow,
    DowngradeRule,
    HierarchyScoring,
    Licence,
    LicenceStatus,
    Metric,
    Objective,
    OrderMode,
    Org,
    Product,
    RuleText,
    Scenario,
    Settings,
    SplitMode,
)

ROOT = Path(__file__).resolve().parents[1]
RULES_PATH = ROOT / "src" / "lcm_opt" / "data" / "rulesets" / "xassets-default.rules"
DEFAULT_RULES = RuleText(
    name="xassets-default",
    lines=tuple(RULES_PATH.read_text(encoding="utf-8").splitlines()),
    source=str(RULES_PATH),
)

# Small org trees (child -> parent): enough for exact, within (descendant) and sibling cases.
LOCATIONS: dict[str, str | None] = {
    "UK": None,
    "London": "UK",
    "London Floor 2": "London",
    "Bath": "UK",
}
DEPARTMENTS: dict[str, str | None] = {
    "Corporate": None,
    "Marketing": "Corporate",
    "Sales": "Corporate",
}
COST_CENTRES: dict[str, str | None] = {"CC10": None, "CC11": "CC10"}
ORG = Org(locations=LOCATIONS, departments=DEPARTMENTS, cost_centres=COST_CENTRES)

# Id pools: digit-only ids sort numerically before text ids (A31), so '10' follows '2'.
PRODUCT_IDS = ("p-office", "2", "10")
LICENCE_IDS = ("1", "2", "10", "L-a", "L-b")
CONSUMPTION_IDS = ("1", "2", "10", "c-01", "c-02", "c-10", "PC-1/x", "9", "a", "b")
NEW_LICENCE_ID = "L-new"  # used by tests that add a licence; never in LICENCE_IDS
ASSETS = ("PC-1", "PC-2", "PC-3", "SRV-1")
USERS = ("alice", "bob", "carol")
VERSIONS = ("2016", "2019", "2021", "9.1")  # distinct under A43 ('9.1' precedes '2016')

# Licence codes per product metric. The product's own metric comes first (hypothesis shrinks
# towards it); the device-style alternatives are compatible under A9/A44.
UNIT_TYPES: dict[Metric, tuple[str, ...]] = {
    Metric.DEVICE: ("device", "SERVER"),
    Metric.USER: ("user", "NAMEDUSER"),
}
ANY_TYPES: dict[Metric, tuple[str, ...]] = {
    Metric.DEVICE: ("device", "SERVER", "PROCESSOR", "CORE"),
    Metric.USER: ("user", "NAMEDUSER"),
    Metric.CORE: ("CORE", "CORE4", "PROCESSOR", "SERVER"),
    Metric.PROCESSOR: ("PROCESSOR", "device", "CORE4"),
}

# R31/A28; `any` first so that families often give downgrade edges.
DOWNGRADES = (DowngradeRule.ANY, DowngradeRule.ONE, DowngradeRule.NONE)

RULE_CHOICES: tuple[tuple[Dimension, ...], ...] = (
    (Dimension.DEPARTMENT,),
    (Dimension.LOCATION,),
    (Dimension.COST_CENTRE,),
    (Dimension.DEPARTMENT, Dimension.LOCATION),
)


def _maybe(values: tuple[Any, ...], nones: int = 1) -> st.SearchStrategy[Any]:
    """None (the shrink target) with weight `nones` against each value's weight 1."""
    return st.sampled_from((None,) * nones + values)


def _often(value: Any, others: tuple[Any, ...], weight: int = 3) -> st.SearchStrategy[Any]:
    """`value` (the shrink target) `weight` times as likely as each of `others`."""
    return st.sampled_from((value,) * weight + others)


def settings_strategy(objective: Objective | None = None) -> st.SearchStrategy[Settings]:
    """Every documented switch (A1, A4, A6, A9, A13, A14, R36) plus the objective."""
    return st.builds(
        Settings,
        downgrades_allowed=_often(True, (False,)),
        hierarchy_scoring=st.sampled_from(HierarchyScoring),
        order_mode=st.sampled_from(OrderMode),
        split_mode=st.sampled_from(SplitMode),
        direct_overflow=st.sampled_from(DirectOverflow),
        objective=st.sampled_from(Objective) if objective is None else st.just(objective),
        strict_metric_match=_often(False, (True,)),
        direct_checks_requirements=st.booleans(),
    )


@st.composite
def _products(draw: st.DrawFn, unit: bool, max_products: int) -> list[Product]:
    n = draw(st.integers(1, max_products))
    ids = draw(st.permutations(PRODUCT_IDS))[:n]
    metrics = tuple(UNIT_TYPES if unit else ANY_TYPES)
    family_size = draw(st.sampled_from([0, *range(2, n + 1)])) if n >= 2 else 0
    family_metric = draw(st.sampled_from(metrics))
    versions = draw(st.permutations(VERSIONS))
    products = []
    for i, pid in enumerate(ids):
        in_family = i < family_size
        products.append(
            Product(
                id=pid,
                name=f"Product {pid}",
                family="fam" if in_family else None,
                version=versions[i] if in_family else None,
                metric=family_metric if in_family else draw(st.sampled_from(metrics)),
                downgrade=draw(st.sampled_from(DOWNGRADES)),
                allocation_rule=draw(_often((), RULE_CHOICES, weight=20)),
                free=i > 0 and draw(_often(False, (True,), weight=6)),  # R9, A36
                unit_price=draw(st.sampled_from((None, 1.0, 2.5, 350.0, 0.1))),
            )
        )
    return products


@st.composite
def new_licence(draw: st.DrawFn, scenario: Scenario, unit: bool) -> Licence:
    """An in-service, unscoped licence of an existing product (monotonicity property)."""
    product = draw(st.sampled_from(scenario.products))
    types = (UNIT_TYPES if unit else ANY_TYPES)[product.metric]
    unlimited = draw(st.booleans())
    return Licence(
        id=NEW_LICENCE_ID,
        product=product.id,
        type=draw(st.sampled_from(types)),
        seats=None if unlimited else draw(st.integers(1, 6)),
        unlimited=unlimited,
        downgrade=draw(st.sampled_from((*DOWNGRADES, None))),  # None: the product's (R32)
    )


@st.composite
def _licence(draw: st.DrawFn, lid: str, products: list[Product], unit: bool) -> Licence:
    product = draw(st.sampled_from(products))
    types = (UNIT_TYPES if unit else ANY_TYPES)[product.metric]
    own, *others = types
    unlimited = draw(_often(False, (True,), weight=5))
    status = draw(
        _often(
            LicenceStatus.IN_SERVICE,
            (LicenceStatus.OUT_OF_SERVICE, LicenceStatus.EXPIRED),
            weight=8,
        )
    )
    return Licence(
        id=lid,
        product=product.id,
        type=draw(_often(own, tuple(others), weight=2 * len(others))),
        seats=None if unlimited else draw(st.sampled_from((1, 2, 3, 4, 5, 6, 0))),  # 0: R8, A33
        unlimited=unlimited,
        status=status,
        downgrade=draw(st.sampled_from((*DOWNGRADES, None))),  # None: the product's (R32)
        allocation_rule=draw(_maybe(RULE_CHOICES, nones=20)),
        # Scopes are requirements (R12, R16): mostly unscoped, so that most pairs are edges.
        location=draw(_maybe(tuple(LOCATIONS), nones=8)),
        department=draw(_maybe(tuple(DEPARTMENTS), nones=3)),
        cost_centre=draw(_maybe(tuple(COST_CENTRES), nones=2)),
        custodian=draw(_maybe(USERS, nones=3)),
        cores=draw(_maybe((4, 8, 12), nones=3)),
    )


@st.composite
def _consumption(draw: st.DrawFn, cid: str, products: list[Product], unit: bool) -> Consumption:
    """`products` lists licensed products several times, so most demand can be covered."""
    product = draw(st.sampled_from(products))
    user_metric = product.metric is Metric.USER
    if unit:
        cores = draw(_maybe((1, 4, 8, 12, 16, 20)))  # only affects scores (R22) here
    else:
        cores = draw(_maybe(tuple(range(1, 13)), nones=2))  # None: A40
    return Consumption(
        id=cid,
        product=product.id,
        asset=draw(st.sampled_from(ASSETS)),
        user=draw(_maybe(USERS)) if user_metric else None,
        location=draw(_maybe(tuple(LOCATIONS))),
        department=draw(_maybe(tuple(DEPARTMENTS))),
        cost_centre=draw(_maybe(tuple(COST_CENTRES))),
        custodian=draw(_maybe(USERS, nones=2)),
        cores=cores,
        processors=draw(_maybe((1, 2))),
        virtual=draw(st.booleans()),
    )


@st.composite
def _scenarios(
    draw: st.DrawFn,
    unit: bool,
    max_products: int,
    max_licences: int,
    max_consumptions: int,
    max_pins: int,
    objective: Objective | None,
) -> Scenario:
    products = _products(unit, max_products)
    prods = draw(products)
    n_lic = draw(st.integers(1, max_licences))
    lids = draw(st.permutations(LICENCE_IDS))[:n_lic]
    licences = [draw(_licence(lid, prods, unit)) for lid in lids]
    n_con = draw(st.integers(1, max_consumptions))
    cids = draw(st.permutations(CONSUMPTION_IDS))[:n_con]
    licensed = [p for p in prods if any(lic.product == p.id for lic in licences)]
    consumptions = [draw(_consumption(cid, licensed * 3 + prods, unit)) for cid in cids]
    pins: list[DirectAssignment] = []
    if max_pins:
        # Any pair may be pinned, so some pins cannot be honoured (wrong product, licence
        # out of service or full, cores unknown, second pin on a covered consumption: A13,
        # A42); same-product pairs are three times as likely, so many pins do hold.
        same = [
            (lic.id, c.id) for lic in licences for c in consumptions if lic.product == c.product
        ]
        every = [(lid, cid) for lid in lids for cid in cids]
        pairs = st.sampled_from(same * 3 + every)
        chosen = draw(st.lists(pairs, max_size=max_pins, unique=True))
        pins = [DirectAssignment(licence=lic, consumption=con) for lic, con in chosen]
    kind = "unit" if unit else "any"
    return Scenario(
        name=f"property-{kind}",
        rules=DEFAULT_RULES,
        settings=draw(settings_strategy(objective)),
        org=ORG,
        products=tuple(prods),
        licences=tuple(licences),
        consumptions=tuple(consumptions),
        direct_assignments=tuple(pins),
    )


def unit_scenarios(
    *,
    max_products: int = 3,
    max_licences: int = 5,
    max_consumptions: int = 10,
    max_pins: int = 3,
    objective: Objective | None = None,
) -> st.SearchStrategy[Scenario]:
    """Device/user products with device/user licences only: every edge asks 1 unit."""
    return _scenarios(True, max_products, max_licences, max_consumptions, max_pins, objective)


def any_scenarios(
    *,
    max_products: int = 3,
    max_licences: int = 5,
    max_consumptions: int = 10,
    max_pins: int = 3,
    objective: Objective | None = None,
) -> st.SearchStrategy[Scenario]:
    """Any metric, multi-unit core/processor demand, splits within a split group."""
    return _scenarios(False, max_products, max_licences, max_consumptions, max_pins, objective)


def shuffled(scenario: Scenario, data: st.DataObject) -> Scenario:
    """The same scenario with products, licences, consumptions and pins reordered."""
    return scenario.model_copy(
        update={
            name: tuple(data.draw(st.permutations(getattr(scenario, name)), label=name))
            for name in ("products", "licences", "consumptions", "direct_assignments")
        }
    )


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as a scenario file (docs/scenario.md), for failure reports."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["rules"] = scenario.rules.name
    data.setdefault("settings", {})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
