"""Organisation hierarchies (child -> parent, None for a root). Each tree's shape (node names
as text, no node declared twice once read as text) is the Org's own rule; unknown parents
and cycles are checked when the scenario is validated (domain/checks.py); `within` lives in
rules/hierarchy.py."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from lcm_opt.domain.base import Frozen
from lcm_opt.domain.located import Located, located, shown
from lcm_opt.domain.messages import unknown_key
from lcm_opt.domain.types import TextId, as_text_id

ORG_TREES = ("locations", "departments", "cost_centres")
_ROOTED = "expected a mapping child -> parent (null for a root)"


class Dimension(StrEnum):
    DEPARTMENT = "department"
    LOCATION = "location"
    COST_CENTRE = "cost_centre"


class Org(Frozen):
    locations: dict[str, TextId | None] = Field(default_factory=dict)  # a parent may be a number
    departments: dict[str, TextId | None] = Field(default_factory=dict)
    cost_centres: dict[str, TextId | None] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        """Three trees child -> parent with node names as text; every problem at once,
        located at the tree and node (`locations.UK`)."""
        if isinstance(value, Org):
            return value
        if not isinstance(value, Mapping):
            raise located([((), f"expected a mapping of {', '.join(ORG_TREES)}", value)])
        problems: list[Located] = []
        accepted = unknown_key(ORG_TREES)
        problems += [((str(key),), accepted, key) for key in value if key not in ORG_TREES]
        trees: dict[str, dict[str, str | None]] = {}
        for name in ORG_TREES:
            tree = value.get(name)
            if tree is None:
                continue
            if isinstance(tree, Mapping):
                trees[name] = _nodes(name, tree, problems)
            else:
                problems.append(((name,), _ROOTED, tree))
        if problems:
            raise located(problems)
        return trees

    def tree(self, dimension: Dimension) -> dict[str, str | None]:
        return {
            Dimension.LOCATION: self.locations,
            Dimension.DEPARTMENT: self.departments,
            Dimension.COST_CENTRE: self.cost_centres,
        }[dimension]


def _nodes(name: str, value: Mapping[Any, Any], problems: list[Located]) -> dict[str, str | None]:
    """child -> parent with ids as text. Two keys naming one node once read as text (`1` and
    '1', or 'UK' and ' UK') are a duplicate, not silently merged."""
    tree: dict[str, str | None] = {}
    written: dict[str, object] = {}  # node -> its key as written
    for key, parent in value.items():
        node, up = as_text_id(key), as_text_id(parent)
        if not isinstance(node, str) or not node:
            problems.append(((name, str(key)), "a node name must be non-empty text", key))
        elif node in written:
            twice = f"{shown(written[node])} and {shown(key)}"
            problems.append(((name, node), f"node {node!r} is declared twice, as {twice}", key))
        elif up is not None and not isinstance(up, str):
            written[node] = key
            message = f"parent must be a node name or null, got {shown(parent)}"
            problems.append(((name, node), message, parent))
        else:
            written[node] = key
            tree[node] = up or None
    return tree
