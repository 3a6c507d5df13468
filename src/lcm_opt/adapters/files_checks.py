"""The `org` section as the file names its places (the trees' shape is the Org's rule,
domain/org.py; unknown parents, cycles and undeclared org values the Scenario's,
domain/checks.py)."""

from __future__ import annotations

from pydantic import ValidationError

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.org import ORG_TREES, Org


def load_org(value: object, source: str, problems: Problems) -> Org:
    """Reads `org` through the Org's own rules (domain/org.py), each problem placed as the
    file has it: `<file>: org.locations` and the node."""
    if value is None:
        return Org()
    try:
        return Org.model_validate(value)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            where, field = _place(source, error["loc"])
            problems.add(where, field, str((error.get("ctx") or {}).get("error", error["msg"])))
        return Org()


def _place(source: str, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """An Org error's location -> (where, field): the section, a tree, or a node in it."""
    if not loc:
        return source, "org"
    first = str(loc[0])
    if len(loc) == 1:
        return (f"{source}: org.{first}", "") if first in ORG_TREES else (f"{source}: org", first)
    return f"{source}: org.{first}", str(loc[1])

