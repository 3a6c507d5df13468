"""What every objective answers: its criterion's name, the integer weight of leaving one
consumption uncovered (solver data), that value in the result's own terms, and what else of
a scenario it reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lcm_opt.domain import Objective, Product


class ObjectiveUnit:
    """The default answers are those of an objective that reads nothing but the rows and
    needs no scaling; a module overrides what its objective does differently."""

    objective: Objective
    criterion: str
    """The Result.objective field the first stage minimises."""

    def scale(self, products: Sequence[Product]) -> int:
        """Integer solver weights are the criterion's values times this."""
        return 1

    def weight(self, units: int, price: float | None, scale: int) -> int:
        """The integer weight of leaving uncovered one consumption of `units` product units
        whose product costs `price` (`scale` from `scale`)."""
        raise NotImplementedError

    def value(self, units: int, price: float | None) -> float:
        """That consumption's share of the criterion, in the result's terms."""
        raise NotImplementedError

    def warnings(self, products: Sequence[Product]) -> list[str]:
        """Warnings of a result under this objective."""
        return []

    def reads(self, products: Sequence[Product]) -> list[Any]:
        """What this objective reads of the catalog beyond the rows (for what-if digests)."""
        return []

    def bound_text(self, bound: int, bound_value: float) -> str:
        """How a deficit certificate states its bound in this objective's terms ("" when the
        count of consumptions says it all)."""
        return ""
