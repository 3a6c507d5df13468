"""The validation context of a Scenario: which input it came from, where each of its rows
sits in that input, and where problems go.

`Scenario.model_validate(data, context=ScenarioSource(...))` runs the whole-scenario rules
(domain/checks.py) and hands every broken one to the source. A source with a sink reports
them there (the file loader collects every problem of a file in one pass that way) and
validation succeeds; without a sink the first problems are raised as one ValueError (so
pydantic raises a ValidationError). Without a source as context, a Scenario is taken as
its builder made it.

A loader subclasses it to name rows as its input does: `licences[3]` in a YAML list, `row
14` of a CSV file (by file line, also for a streamed consumptions file), `line 7` of a JSON
Lines file."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Protocol

from lcm_opt.domain.checks import Issue, scenario_issues

if TYPE_CHECKING:
    from lcm_opt.domain.scenario import Scenario

__all__ = ["ScenarioSource", "Sink"]

_RAISED = 20  # problems listed in the ValueError of a source without a sink


class Sink(Protocol):
    """Where a source reports problems (the loader's Problems)."""

    def add(self, where: str, field: str, message: str) -> None: ...

    @property
    def full(self) -> bool:
        """True once more problems would only be counted: skip the "did you mean" work."""
        ...


class ScenarioSource:
    """Names the input (`name`, e.g. a file path) and its rows. Override `at` to locate
    rows as the input does and `known` to count ids of rows that failed validation as
    known."""

    def __init__(self, name: str = "scenario", sink: Sink | None = None) -> None:
        self.name = name
        self.sink = sink

    def at(self, section: str, index: int) -> str:
        """Row `index` of the Scenario's `section` as messages name it, without the input's
        name: `licences[3]`, `row 14`."""
        return f"{section}[{index}]"

    def where(self, section: str, index: int | None) -> str:
        """The full location: `<input>: licences[3]`, or `<input>: org.locations`."""
        return f"{self.name}: {section if index is None else self.at(section, index)}"

    def known(self, section: str) -> Collection[str] | None:
        """Every id the rows of `section` claimed, valid or not; None: the Scenario's own."""
        return None

    def check(self, scenario: Scenario) -> None:
        """Runs the whole-scenario rules on `scenario` and reports what they find."""
        cache: dict[str, Collection[str]] = {}

        def known(section: str) -> Collection[str]:
            found = cache.get(section)
            if found is None:
                found = cache[section] = self.known(section) or _ids(scenario, section)
            return found

        self.report(scenario_issues(scenario, known, self.at))

    def report(self, issues: Iterable[Issue]) -> None:
        sink = self.sink
        if sink is None:
            self._raise(issues)
            return
        for issue in issues:
            hint = issue.unknown is not None and not sink.full
            sink.add(self.where(issue.section, issue.index), issue.field, issue.text(hint))

    def _raise(self, issues: Iterable[Issue]) -> None:
        lines: list[str] = []
        count = 0
        for issue in issues:
            count += 1
            if len(lines) < _RAISED:
                field = f"{issue.field}: " if issue.field else ""
                where = self.where(issue.section, issue.index)
                lines.append(f"{where}: {field}{issue.text()}")
        if count > len(lines):
            lines.append(f"... and {count - len(lines)} more")
        if lines:
            raise ValueError("\n".join(lines))


def _ids(scenario: Scenario, section: str) -> Collection[str]:
    rows = getattr(scenario, section)
    if section == "consumptions" and not isinstance(rows, tuple):
        return set(rows.ids)  # a ConsumptionTable: its id column, not a million rows
    return {row.id for row in rows}
