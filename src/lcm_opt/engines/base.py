"""What every engine returns, and the Engine protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason, Status


@dataclass(frozen=True, slots=True)
class GrantRecord:
    consumption: int
    licence: int
    units: int
    direct: bool
    score: int
    downgrade: bool


@dataclass(frozen=True, slots=True)
class DeficitRecord:
    consumption: int
    reason: DeficitReason
    detail: str | None = None


@dataclass
class Allocation:
    engine: str
    status: Status
    grants: list[GrantRecord] = field(default_factory=list)
    deficits: list[DeficitRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bound: float | None = None
    gap: float | None = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds; never in results


class Engine(Protocol):
    name: str

    def solve(self, problem: Problem) -> Allocation: ...


class Remaining:
    """Running capacity per licence (R27): never granted beyond it; None = unlimited."""

    def __init__(self, problem: Problem) -> None:
        self._left: list[int | None] = list(problem.capacity)

    def left(self, licence: int) -> int | None:
        return self._left[licence]

    def fits(self, licence: int, units: int) -> bool:
        left = self._left[licence]
        return left is None or left >= units

    def take(self, licence: int, units: int) -> None:
        left = self._left[licence]
        if left is not None:
            assert left >= units, "over-allocation"
            self._left[licence] = left - units
