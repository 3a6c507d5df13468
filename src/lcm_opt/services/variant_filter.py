"""The `where` filter of `remove_consumptions`: consumption field -> value (or a list of
values, any of which matches); every condition must hold. `location`, `department` and
`cost_centre` match the named node and all its descendants (`within`, R15); other fields
match by equality, `null` matching an unset field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lcm_opt.domain import Consumption, Dimension, Org
from lcm_opt.domain.checks import org_value_issues
from lcm_opt.domain.source import Sink
from lcm_opt.domain.types import as_text_id, text_id_fields
from lcm_opt.rules.hierarchy import Hierarchy

__all__ = ["consumption_filter"]

Test = Callable[[Consumption], bool]
_TEXT_IDS = text_id_fields(Consumption)

_DIMENSIONS = {
    "location": Dimension.LOCATION,
    "department": Dimension.DEPARTMENT,
    "cost_centre": Dimension.COST_CENTRE,
}


def consumption_filter(
    conditions: Mapping[str, Any], org: Org, where: str, problems: Sink
) -> Test | None:
    """A predicate for `conditions` (their fields and lists checked by the op's model), or
    None after reporting an org value not declared in its tree (the rule rows obey)."""
    tests: list[Test] = []
    hierarchy: Hierarchy | None = None
    undeclared = False
    for key, value in conditions.items():
        values = value if isinstance(value, list) else [value]
        if key in _TEXT_IDS:
            values = [as_text_id(v) for v in values]
        if key in _DIMENSIONS:
            for issue in (i for v in values for i in org_value_issues({key: v}, org)):
                problems.add(where, f"where.{key}", issue.text())
                undeclared = True
            hierarchy = hierarchy or Hierarchy(org)
            tests.append(_within_test(hierarchy, key, values))
        else:
            tests.append(_equal_test(key, values))
    if undeclared:
        return None
    return lambda c: all(test(c) for test in tests)


def _within_test(hierarchy: Hierarchy, key: str, values: list[Any]) -> Test:
    dimension = _DIMENSIONS[key]

    def test(c: Consumption) -> bool:
        actual = getattr(c, key)
        if actual is None:
            return None in values
        return any(v is not None and hierarchy.within(dimension, actual, v) for v in values)

    return test


def _equal_test(key: str, values: list[Any]) -> Test:
    def same(a: object, b: object) -> bool:
        return a == b and isinstance(a, bool) == isinstance(b, bool)

    return lambda c: any(same(getattr(c, key), v) for v in values)
