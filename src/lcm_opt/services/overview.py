"""The LCM Allocations Overview of a scenario under one engine: compile, run the
engine, and read the overview off what it granted (engines/overview.py)."""

from __future__ import annotations

from lcm_opt.domain import Scenario, Status
from lcm_opt.domain.base import Frozen
from lcm_opt.domain.result import Overview
from lcm_opt.engines.overview import build_overview
from lcm_opt.services.solve import allocated, compiled


class OverviewReport(Frozen):
    """What `lcm-opt overview` prints: the overview plus which run it describes."""

    scenario: str
    engine: str
    status: Status
    overview: Overview
    warnings: tuple[str, ...] = ()


def overview(scenario: Scenario, engine: str = "greedy") -> OverviewReport:
    """The overview per licence and per contract, also for a scenario without Track
    Deployments or Custom Reservations (then only contracts are rolled up)."""
    problem = compiled(scenario)
    allocation = allocated(problem, engine)
    return OverviewReport(
        scenario=scenario.name,
        engine=allocation.engine,
        status=allocation.status,
        overview=build_overview(problem, allocation),
        warnings=(*problem.warnings, *allocation.warnings),
    )
