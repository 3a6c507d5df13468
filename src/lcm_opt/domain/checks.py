"""The rules a Scenario obeys as a whole, beyond each row's own fields: unique ids, every
reference names a row that exists, org trees without unknown parents or cycles, org values
declared in their tree, version chains (A43) and the LCM pools (A21, A23, L4).

Each rule yields Issues located by section and row index (the row's position in the
Scenario's tuple); a `ScenarioSource` (domain/source.py) turns those into the file, row
or YAML path of the input they came from. The rules read the validated models, so a row
that failed its own validation is not there to be checked: its references are checked
once it is valid. Its id still counts as known when the source says so (`known`), so one
bad row does not cascade into "unknown reference" errors elsewhere."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lcm_opt.domain.lcm import pool_issues
from lcm_opt.domain.ordering import VersionKey, version_key
from lcm_opt.domain.org import ORG_TREES
from lcm_opt.domain.screens import Declared as _Declared
from lcm_opt.domain.screens import all_known, any_unknown, distinct_values

if TYPE_CHECKING:
    from lcm_opt.domain.catalog import Product
    from lcm_opt.domain.estate import Consumption
    from lcm_opt.domain.licences import Licence
    from lcm_opt.domain.offers import Offer
    from lcm_opt.domain.org import Org
    from lcm_opt.domain.scenario import Scenario

__all__ = [
    "ORG_FIELDS",
    "ORG_TREES",
    "Issue",
    "did_you_mean",
    "duplicate_issues",
    "duplicate_message",
    "org_value_issues",
    "row_issues",
    "scenario_issues",
]

ORG_FIELDS = {"location": "locations", "department": "departments", "cost_centre": "cost_centres"}
"""Field on a licence, offer or consumption -> the org tree its value must be declared in."""

Known = Callable[[str], Collection[str]]
"""section -> the ids its rows claim (a reference to any of them is not unknown)."""
At = Callable[[str, int], str]
"""(section, index) -> the row as a message names it: `licences[3]`, `row 14`."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule. `index` is None for a mapping (an org tree: `field` is the node).
    `unknown`: a reference that names nothing, with the ids it could have meant, so that
    the reporter can add a "did you mean" (or skip that work past its error limit)."""

    section: str
    index: int | None
    field: str
    message: str
    unknown: tuple[str, Collection[str]] | None = None

    def text(self, hint: bool = True) -> str:
        """The message, with a "did you mean" for an unknown reference when `hint`."""
        if hint and self.unknown is not None:
            return self.message + did_you_mean(*self.unknown)
        return self.message


def did_you_mean(value: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def duplicate_message(field: str, ident: str, first_at: str) -> str:
    return f"duplicate {field} {ident!r}; first at {first_at}"


def scenario_issues(scenario: Scenario, known: Known, at: At) -> Iterator[Issue]:
    """Every broken rule of `scenario`, section by section, row by row."""
    yield from org_issues(scenario.org)
    yield from _duplicates(scenario, at)
    yield from family_issues(scenario.products)
    products, contracts, licences = known("products"), known("contracts"), known("licences")
    declared = _declared(scenario.org)
    yield from _licence_issues("licences", scenario.licences, products, contracts, declared)
    yield from _consumption_issues(scenario.consumptions, products, declared)
    yield from _pin_issues(scenario, known, at)
    for index, reservation in enumerate(scenario.reservations):
        yield from _reference("reservations", index, "licence", reservation.licence, licences)
    for index, tracked in enumerate(scenario.tracked_deployments):
        yield from _reference("tracked_deployments", index, "licence", tracked.licence, licences)
        yield from _reference("tracked_deployments", index, "product", tracked.product, products)
    yield from _licence_issues("offers", scenario.offers, products, contracts, declared)
    for pool in pool_issues(scenario.licences, scenario.reservations, scenario.tracked_deployments):
        yield Issue(pool.section, pool.index, pool.field, pool.message)


def row_issues(
    row: Licence | Offer | Consumption,
    products: Collection[str],
    contracts: Collection[str],
    org: Org,
) -> Iterator[Issue]:
    """One licence's, offer's or consumption's references and org values (index 0)."""
    section = "consumptions" if row.__class__.__name__ == "Consumption" else "licences"
    yield from _reference(section, 0, "product", row.product, products)
    yield from _reference(section, 0, "contract", getattr(row, "contract", None), contracts)
    yield from _org_values(section, 0, row.__dict__, _declared(org))


def org_value_issues(values: Mapping[str, object], org: Org) -> Iterator[Issue]:
    """Org values (field -> node name) not declared in their tree, where it is declared."""
    return _org_values("", 0, values, _declared(org))


def _licence_issues(
    section: str,
    rows: Sequence[Licence | Offer],
    products: Collection[str],
    contracts: Collection[str],
    declared: _Declared,
) -> Iterator[Issue]:
    """A licence's (an offer's) product, contract and org values."""
    if not any_unknown(distinct_values(rows), products, declared, contracts):
        return
    for index, row in enumerate(rows):
        yield from _reference(section, index, "product", row.product, products)
        yield from _reference(section, index, "contract", row.contract, contracts)
        yield from _org_values(section, index, row.__dict__, declared)


def org_issues(org: Org) -> Iterator[Issue]:
    """Parents not declared in the same tree, and cycles (each once, naming the cycle)."""
    for name in ORG_TREES:
        tree: Mapping[str, str | None] = getattr(org, name)
        section = f"org.{name}"
        for node, up in tree.items():
            if up is not None and up not in tree:
                yield Issue(section, None, node, f"parent {up!r} is not declared in {section}")
        for cycle in _cycles(tree):
            path = " -> ".join([*cycle, cycle[0]])
            yield Issue(section, None, cycle[0], f"cycle in {section}: {path}")


def _cycles(tree: Mapping[str, str | None]) -> list[list[str]]:
    """Each cycle once, as its nodes in parent order starting from the first one declared."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    cycles: list[list[str]] = []
    for start in tree:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in tree and node not in state:
            state[node] = 1
            walk.append(node)
            node = tree[node]
        if node is not None and state.get(node) == 1:
            cycles.append(walk[walk.index(node) :])
        for visited in walk:
            state[visited] = 2
    return cycles


def family_issues(products: Sequence[Product]) -> Iterator[Issue]:
    """A43: every family member has a version, and no two members have equal versions
    (compared with version_key, so `2.0` equals `2`)."""
    seen: dict[tuple[str, VersionKey], Product] = {}
    for index, product in enumerate(products):
        if product.family is None:
            continue
        if product.version is None:
            message = f"product is in family {product.family!r} but has no version"
            yield Issue("products", index, "version", message)
            continue
        other = seen.setdefault((product.family, version_key(product.version)), product)
        if other is not product:
            yield Issue(
                "products",
                index,
                "version",
                f"version {product.version!r} equals version {other.version!r} of product "
                f"{other.id!r} in family {product.family!r}; versions in a family must differ "
                "(A43)",
            )


def _duplicates(scenario: Scenario, at: At) -> Iterator[Issue]:
    """Ids (a variant's name) are unique within their section. A ConsumptionTable holds
    unique ids by construction."""
    sections: list[tuple[str, str, Sequence[str]]] = [
        ("products", "id", [p.id for p in scenario.products]),
        ("contracts", "id", [c.id for c in scenario.contracts]),
        ("licences", "id", [lic.id for lic in scenario.licences]),
        ("offers", "id", [o.id for o in scenario.offers]),
        ("variants", "name", [v.name for v in scenario.variants]),
    ]
    if isinstance(scenario.consumptions, tuple):
        sections.insert(3, ("consumptions", "id", [c.id for c in scenario.consumptions]))
    for section, field, ids in sections:
        yield from duplicate_issues(section, field, ids, at)


def duplicate_issues(section: str, field: str, ids: Sequence[str], at: At) -> Iterator[Issue]:
    """Every repeat of an id in `ids` (the rows of `section`), naming the first."""
    first: dict[str, int] = {}
    for index, ident in enumerate(ids):
        earlier = first.setdefault(ident, index)
        if earlier != index:
            message = duplicate_message(field, ident, at(section, earlier))
            yield Issue(section, index, field, message)


def _reference(
    section: str, index: int, field: str, value: str | None, known: Collection[str]
) -> Iterator[Issue]:
    if value is not None and value not in known:
        yield Issue(section, index, field, f"unknown {field} {value!r}", (value, known))


def _declared(org: Org) -> _Declared:
    """(field, tree name, tree) of the trees that are declared (non-empty). When a tree is
    empty every value is accepted as a root: a scenario that never uses `within` need not
    spell out a hierarchy."""
    trees = ((field, name, getattr(org, name)) for field, name in ORG_FIELDS.items())
    return [(field, name, tree) for field, name, tree in trees if tree]


def _org_values(
    section: str, index: int, values: Mapping[str, object], declared: _Declared
) -> Iterator[Issue]:
    for field, name, tree in declared:
        value = values.get(field)
        if isinstance(value, str) and value not in tree:
            message = f"{value!r} is not declared in org.{name}"
            yield Issue(section, index, field, message, (value, tree))


def _consumption_issues(
    rows: Sequence[Consumption], products: Collection[str], declared: _Declared
) -> Iterator[Issue]:
    """A table's rows share their prototype's product and org values: each prototype is
    checked once, and only the rows of a failing one are visited again."""
    from lcm_opt.domain.table import ConsumptionTable  # the table imports the estate models

    if not isinstance(rows, ConsumptionTable):
        for index, row in enumerate(rows):
            yield from _reference("consumptions", index, "product", row.product, products)
            yield from _org_values("consumptions", index, row.__dict__, declared)
        return
    if not any_unknown(rows.attribute_values, products, declared):
        return
    failing: dict[int, list[Issue]] = {}
    for number, prototype in enumerate(rows.prototypes):
        found = [
            *_reference("consumptions", 0, "product", prototype.product, products),
            *_org_values("consumptions", 0, prototype.__dict__, declared),
        ]
        if found:
            failing[number] = found
    if not failing:
        return
    for index, number in enumerate(rows.row_prototype):
        for issue in failing.get(number, ()):
            yield Issue("consumptions", index, issue.field, issue.message, issue.unknown)


def _pin_issues(scenario: Scenario, known: Known, at: At) -> Iterator[Issue]:
    """A pin names a known licence and consumption, and each pair is pinned once."""
    if not scenario.direct_assignments:
        return
    licences, consumptions = known("licences"), known("consumptions")
    pins = scenario.direct_assignments
    pairs = {(pin.licence, pin.consumption) for pin in pins}
    if len(pairs) == len(pins) and all_known(pairs, licences, consumptions):
        return  # nothing to locate
    first: dict[tuple[str, str], int] = {}
    for index, pin in enumerate(scenario.direct_assignments):
        yield from _reference("direct_assignments", index, "licence", pin.licence, licences)
        yield from _reference(
            "direct_assignments", index, "consumption", pin.consumption, consumptions
        )
        pair = (pin.licence, pin.consumption)
        earlier = first.setdefault(pair, index)
        if earlier != index:
            yield Issue(
                "direct_assignments",
                index,
                "consumption",
                f"duplicate pin of licence {pair[0]!r} to consumption {pair[1]!r}; "
                f"first at {at('direct_assignments', earlier)}",
            )
