"""Imported once by the solver processes' fork server: everything a request would load or
build lazily (the modules, the rule grammar's parser, the default rule set, the solvers) is
ready before the fork, so a light request costs what its work costs."""

from __future__ import annotations

from lcm_opt.adapters.api import child, operations  # noqa: F401
from lcm_opt.adapters.api.schemas import EXAMPLE_SCENARIO, SolveRequest
from lcm_opt.adapters.api.settings import ApiSettings


def warm() -> None:
    request = SolveRequest.model_validate({"scenario": EXAMPLE_SCENARIO, "engine": "optimal"})
    operations.solve(request, ApiSettings())
    operations.solve(request.model_copy(update={"engine": "greedy"}), ApiSettings())


warm()
