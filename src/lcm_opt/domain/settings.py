"""Scenario `settings`: every engine switch, with its default (docs/scenario.md)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from lcm_opt.domain.base import CoreMinimum, Frozen, Seconds, Seed
from lcm_opt.domain.catalog import TYPE_CODES, Metric


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


class Stability(StrEnum):
    OFF = "off"
    PREFER = "prefer"  # keep consumptions on their previous licence where that is free


class StabilityOrder(StrEnum):
    CHURN_FIRST = "churn_first"  # fewest moves, then the most affinity
    AFFINITY_FIRST = "affinity_first"  # the most affinity, then fewest moves


class Settings(Frozen):
    downgrades_allowed: bool = Field(True, description="R36 kill switch")
    hierarchy_scoring: HierarchyScoring = Field(HierarchyScoring.STACK, description="A6")
    order_mode: OrderMode = Field(OrderMode.CONSUMPTION, description="A1")
    split_mode: SplitMode = Field(SplitMode.WHOLE_FIT_FIRST, description="A4")
    direct_overflow: DirectOverflow = Field(DirectOverflow.FALL_THROUGH, description="A13")
    objective: Objective = Field(Objective.UNITS, description="optimiser's first criterion")
    strict_metric_match: bool = Field(False, description="A9")
    direct_checks_requirements: bool = Field(False, description="A14")
    core_minimums: dict[str, CoreMinimum] = Field(
        default_factory=lambda: dict(DEFAULT_CORE_MINIMUMS),
        description="A19: minimum cores charged per host by each core licence code (CORE, "
        "CORE4, CORE8, any case); the values given are merged over the defaults "
        "{CORE4: 4, CORE8: 8}",
    )
    time_limit_s: Seconds = Field(
        10.0,
        description="optimiser: CP-SAT limit per phase, in OR-Tools deterministic time units "
        "(roughly seconds; deterministic so that results repeat byte for byte)",
    )
    seed: Seed = Field(0, description="optimiser: CP-SAT random seed (0 to 2^31 - 1)")
    stability: Stability = Field(
        Stability.OFF,
        description="optimiser with a previous allocation: `prefer` keeps each consumption on "
        "its previous licence wherever that costs nothing in the first criterion",
    )
    stability_order: StabilityOrder = Field(
        StabilityOrder.CHURN_FIRST,
        description="under `stability: prefer`, whether fewer moves come before affinity "
        "(churn_first) or after it (affinity_first)",
    )

    @field_validator("core_minimums")
    @classmethod
    def _core_minimums(cls, given: dict[str, int]) -> dict[str, int]:
        return merge_core_minimums(given)


DEFAULT_CORE_MINIMUMS: dict[str, int] = {"CORE4": 4, "CORE8": 8}
CORE_CODES = tuple(code for code, metric in TYPE_CODES.items() if metric is Metric.CORE)


def merge_core_minimums(given: dict[str, int]) -> dict[str, int]:
    """A19: the defaults overridden by `given`, whose keys are core licence codes in any
    case; raises ValueError naming an unknown or repeated code."""
    merged = dict(DEFAULT_CORE_MINIMUMS)
    seen: dict[str, str] = {}
    for key, minimum in given.items():
        code = key.strip().upper()
        if code not in CORE_CODES:
            raise ValueError(
                f"{key!r} is not a core licence code; accepted: {', '.join(CORE_CODES)} (any case)"
            )
        if code in seen:
            raise ValueError(f"{key!r} and {seen[code]!r} both set the minimum of {code}")
        seen[code] = key
        merged[code] = minimum
    return merged
