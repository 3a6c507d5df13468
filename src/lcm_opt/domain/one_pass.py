"""The Scenario's whole-scenario rules reported as located validation errors.

`LocatedSource` is the validation context (domain/source.py) that turns each broken
whole-scenario rule into a problem at (section, row, field), the row as the input has it.
`whole_checks` gives "every problem in one pass" to a model validated in one piece (an
HTTP request body): when rows fail their own validation, the other rows are checked as a
whole, the failed rows' ids counting as known, so a reference error on a valid row is
reported beside the invalid rows' errors."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from lcm_opt.domain.checks import Issue
from lcm_opt.domain.located import Loc, Located
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.types import as_text_id

ROW_KEYS = {"products": "id", "contracts": "id", "licences": "id", "consumptions": "id",
            "direct_assignments": "", "reservations": "", "tracked_deployments": "",
            "offers": "id", "variants": "name"}  # fmt: skip
"""The Scenario's row sections and the key their rows are known by ("" for none)."""
MAX_REPORTED = 200


class LocatedSource(ScenarioSource):
    """Collects the broken whole-scenario rules as located problems (`problems`). `rows`:
    a section's rows in the input when some were left out; `claimed`: the ids of every
    row of a section, valid or not."""

    def __init__(
        self,
        name: str = "scenario",
        rows: Mapping[str, Sequence[int]] | None = None,
        claimed: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        super().__init__(name)
        self.rows = rows or {}
        self.claimed = claimed or {}
        self.problems: list[Located] = []

    def row(self, section: str, index: int) -> int:
        rows = self.rows.get(section)
        return rows[index] if rows is not None else index

    def at(self, section: str, index: int) -> str:
        return f"{section}[{self.row(section, index)}]"

    def known(self, section: str) -> Collection[str] | None:
        return self.claimed.get(section)

    def report(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            if len(self.problems) >= MAX_REPORTED:
                break
            loc: Loc = tuple(issue.section.split("."))
            if issue.index is not None:
                loc += (self.row(issue.section, issue.index),)
            loc += (issue.field,) if issue.field else ()
            self.problems.append((loc, issue.text(), None))


def whole_checks(
    model: type[BaseModel], data: Mapping[str, Any], exc: ValidationError
) -> ValidationError:
    """`exc`, plus what validating `data` without the rows that failed finds (with a
    LocatedSource as context). Only when every error is inside a row: otherwise there is
    no scenario to check."""
    failed: dict[str, set[int]] = {}
    for error in exc.errors():
        loc = error["loc"]
        if len(loc) < 2 or loc[0] not in ROW_KEYS or not isinstance(loc[1], int):
            return exc
        failed.setdefault(str(loc[0]), set()).add(loc[1])
    pruned, rows, claimed = dict(data), {}, {}
    for section, bad in failed.items():
        raw = data[section]
        rows[section] = [i for i in range(len(raw)) if i not in bad]
        pruned[section] = [raw[i] for i in rows[section]]
        if key := ROW_KEYS[section]:
            claimed[section] = {str(as_text_id(r.get(key))) for r in raw if isinstance(r, Mapping)}
    try:
        model.model_validate(pruned, context=LocatedSource(rows=rows, claimed=claimed))
    except ValidationError as whole:
        details = [as_detail(error) for error in (*exc.errors(), *whole.errors())]
        return ValidationError.from_exception_data(exc.title, details)
    return exc


def as_detail(error: Any) -> InitErrorDetails:
    """An error of `ValidationError.errors()` to raise again: pydantic's own types keep
    theirs, with their context."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    try:
        ValidationError.from_exception_data("", [{"type": kind, "loc": (), "input": 0, "ctx": ctx}])
    except (KeyError, TypeError, ValueError):
        custom = PydanticCustomError(kind, error["msg"])
        return {"type": custom, "loc": error["loc"], "input": error["input"]}
    return {"type": kind, "loc": error["loc"], "input": error["input"], "ctx": ctx}
