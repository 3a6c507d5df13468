"""Whole-scenario checks for the loader: org hierarchies (unknown parents, cycles), org
values used by licences and consumptions, version chains (A43), references by id and the
LCM pool rules (A21, A23, L4)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from lcm_opt.adapters.files_errors import Problems, as_id, shown
from lcm_opt.domain.catalog import Product
from lcm_opt.domain.lcm import Reservation, TrackedDeployment, pool_issues
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.ordering import VersionKey, version_key
from lcm_opt.domain.org import Org

ORG_TREES = ("locations", "departments", "cost_centres")
# Field on a licence or consumption -> the org tree its value must be declared in.
ORG_FIELDS = {"location": "locations", "department": "departments", "cost_centre": "cost_centres"}


def load_org(value: object, source: str, problems: Problems) -> Org:
    """Reads `org`: three trees child -> parent (null for a root). Reports keys that are not
    text, parents that are not declared in the same tree, and cycles (naming the cycle)."""
    if value is None:
        return Org()
    if not isinstance(value, Mapping):
        problems.add(source, "org", f"expected a mapping of {', '.join(ORG_TREES)}")
        return Org()
    for key in value:
        if key not in ORG_TREES:
            problems.add(
                f"{source}: org", str(key), f"unknown key; accepted keys: {', '.join(ORG_TREES)}"
            )
    trees = {name: _tree(value.get(name), f"{source}: org.{name}", problems) for name in ORG_TREES}
    return Org(**trees)


def _tree(value: object, where: str, problems: Problems) -> dict[str, str | None]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(where, "", "expected a mapping child -> parent (null for a root)")
        return {}
    tree = _nodes(value, where, problems)
    name = where.rsplit(": ", 1)[-1]
    for node, up in tree.items():
        if up is not None and up not in tree:
            problems.add(where, node, f"parent {up!r} is not declared in {name}")
    for cycle in _cycles(tree):
        problems.add(where, cycle[0], f"cycle in {name}: {' -> '.join([*cycle, cycle[0]])}")
    return tree


def _nodes(value: Mapping[Any, Any], where: str, problems: Problems) -> dict[str, str | None]:
    """child -> parent with ids as text. Two keys naming one node once read as text (`1` and
    '1', or 'UK' and ' UK') are a duplicate, not silently merged."""
    tree: dict[str, str | None] = {}
    written: dict[str, object] = {}  # node -> its key as written
    for key, parent in value.items():
        node, up = as_id(key), as_id(parent)
        if not isinstance(node, str) or not node:
            problems.add(where, str(key), "a node name must be non-empty text")
            continue
        if node in written:
            twice = f"{shown(written[node])} and {shown(key)}"
            problems.add(where, node, f"node {node!r} is declared twice, as {twice}")
            continue
        written[node] = key
        if up is not None and not isinstance(up, str):
            problems.add(where, node, f"parent must be a node name or null, got {shown(parent)}")
        else:
            tree[node] = up or None
    return tree


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


def org_value_check(org: Org) -> Callable[[Mapping[str, Any], str, Problems], None]:
    """An org value on a licence or consumption must be declared in its tree when that tree
    is declared (non-empty). When a tree is empty, every value is accepted as a root: a
    scenario that never uses `within` need not spell out a hierarchy."""
    declared = [
        (field, tree_name, getattr(org, tree_name))
        for field, tree_name in ORG_FIELDS.items()
        if getattr(org, tree_name)
    ]

    def check(raw: Mapping[str, Any], where: str, problems: Problems) -> None:
        for field, tree_name, tree in declared:
            value = raw.get(field)
            if isinstance(value, str) and value and value not in tree:
                suffix = "" if problems.full else hint(value, tree)
                problems.add(where, field, f"{value!r} is not declared in org.{tree_name}{suffix}")

    return check


def check_ref(
    raw: Mapping[str, Any], field: str, known: Collection[str], where: str, problems: Problems
) -> None:
    """`raw[field]` names an id of kind `field` (product, licence, ...) that must be known."""
    value = raw.get(field)
    if isinstance(value, str) and value and value not in known:
        suffix = "" if problems.full else hint(value, known)
        problems.add(where, field, f"unknown {field} {value!r}{suffix}")


def hint(value: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_families(
    products: list[tuple[int, Product]], where_of: Callable[[int], str], problems: Problems
) -> None:
    """A43: every family member has a version, and no two members have equal versions
    (compared with version_key, so `2.0` equals `2`)."""
    seen: dict[tuple[str, VersionKey], Product] = {}
    for index, product in products:
        if product.family is None:
            continue
        where = where_of(index)
        if product.version is None:
            problems.add(
                where, "version", f"product is in family {product.family!r} but has no version"
            )
            continue
        key = (product.family, version_key(product.version))
        other = seen.setdefault(key, product)
        if other is not product:
            problems.add(
                where,
                "version",
                f"version {product.version!r} equals version {other.version!r} of product "
                f"{other.id!r} in family {product.family!r}; versions in a family must differ "
                "(A43)",
            )


def check_pools(
    licences: Sequence[Licence],
    reservations: Sequence[Reservation],
    tracked: Sequence[TrackedDeployment],
    list_where: Callable[[str], Callable[[int], str]],
    problems: Problems,
) -> None:
    """A21/A23/L4 on the loaded sections: a reservation of 0 on a finite licence, a finite
    pool whose reservations + capped Track Deployments exceed its seats (naming the licence
    and the figures), a duplicate (licence, product) Track Deployment. `list_where(section)`
    locates a row by its index (`<file>: reservations[2]`). Unknown licences and products
    are left to check_ref. compile/lcm.py applies the same rules to any Scenario."""
    for issue in pool_issues(licences, reservations, tracked):
        problems.add(list_where(issue.section)(issue.index), issue.field, issue.message)
