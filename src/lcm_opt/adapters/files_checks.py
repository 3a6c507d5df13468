"""The `org` section's shape: three trees child -> parent, node names as text. Unknown
parents, cycles and undeclared org values are the Scenario's own rules
(domain/checks.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lcm_opt.adapters.files_errors import Problems, shown
from lcm_opt.domain.checks import ORG_TREES
from lcm_opt.domain.lcm import Reservation, TrackedDeployment, pool_issues
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.org import Org
from lcm_opt.domain.types import as_text_id


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
    """One tree's shape; its parents and cycles are the Scenario's rules (domain/checks.py)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(where, "", "expected a mapping child -> parent (null for a root)")
        return {}
    return _nodes(value, where, problems)


def _nodes(value: Mapping[Any, Any], where: str, problems: Problems) -> dict[str, str | None]:
    """child -> parent with ids as text. Two keys naming one node once read as text (`1` and
    '1', or 'UK' and ' UK') are a duplicate, not silently merged."""
    tree: dict[str, str | None] = {}
    written: dict[str, object] = {}  # node -> its key as written
    for key, parent in value.items():
        node, up = as_text_id(key), as_text_id(parent)
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


def check_pools(
    licences: Sequence[Licence],
    reservations: Sequence[Reservation],
    tracked: Sequence[TrackedDeployment],
    list_where: Callable[[str], Callable[[int], str]],
    problems: Problems,
) -> None:
    """The pool rules (A21, A23, L4: domain/lcm.pool_issues) on sections outside a
    Scenario, located by `list_where(section)(index)`."""
    for issue in pool_issues(licences, reservations, tracked):
        problems.add(list_where(issue.section)(issue.index), issue.field, issue.message)
