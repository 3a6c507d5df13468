"""Scenario `settings`: every documented engine switch, with the spec's defaults."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from lcm_opt.domain.base import Frozen


class HierarchyScoring(StrEnum):
    STACK = "stack"  # A6 default: exact and within lines both fire on equality
    EXCLUSIVE = "exclusive"  # affinity `within` fires on strict descendants only


class OrderMode(StrEnum):
    CONSUMPTION = "consumption"  # A1 default
    PAIR = "pair"


class SplitMode(StrEnum):
    WHOLE_FIT_FIRST = "whole_fit_first"  # A4 default
    FILL_IN_ORDER = "fill_in_order"


class DirectOverflow(StrEnum):
    FALL_THROUGH = "fall_through"  # A13 default
    DEFICIT = "deficit"


class Objective(StrEnum):
    UNITS = "units"
    COST = "cost"
    COUNT = "count"


class Settings(Frozen):
    downgrades_allowed: bool = Field(True, description="R36 kill switch")
    hierarchy_scoring: HierarchyScoring = Field(HierarchyScoring.STACK, description="A6")
    order_mode: OrderMode = Field(OrderMode.CONSUMPTION, description="A1")
    split_mode: SplitMode = Field(SplitMode.WHOLE_FIT_FIRST, description="A4")
    direct_overflow: DirectOverflow = Field(DirectOverflow.FALL_THROUGH, description="A13")
    objective: Objective = Field(Objective.UNITS, description="optimiser's first criterion")
    strict_metric_match: bool = Field(False, description="A9")
    direct_checks_requirements: bool = Field(False, description="A14")
    core_minimums: dict[str, int] = Field(
        default_factory=lambda: {"CORE4": 4, "CORE8": 8},
        description="A19: minimum cores charged per host by each core licence code",
    )
    time_limit_s: float = Field(
        10.0,
        gt=0,
        description="optimiser: CP-SAT limit per phase, in OR-Tools deterministic time units "
        "(roughly seconds; deterministic so that results repeat byte for byte)",
    )
    seed: int = Field(0, ge=0, description="optimiser: CP-SAT random seed")
