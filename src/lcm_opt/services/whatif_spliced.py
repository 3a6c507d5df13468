"""A variant's summary from the baseline's, for a what-if whose baseline was solved whole
(whatif_summary.py): the baseline's product and licence rows and totals with the replaced
blocks' taken out and the new blocks' put in (whatif_splice.py), and what else its result
holds as the block-by-block merge makes it (whatif_heads.py)."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

from lcm_opt.domain import Result, Scenario, natural_key
from lcm_opt.services.whatif_estate import Short
from lcm_opt.services.whatif_heads import NotExact, spliced_head
from lcm_opt.services.whatif_merge import BlockOutcome, summed_cost
from lcm_opt.services.whatif_splice import splice

__all__ = ["ROWS", "SplicedBase", "natural"]

ROWS = (("products", attrgetter("product")), ("licences", attrgetter("licence")))
"""The per-row sections the tables read, with the id that orders each."""

_CONSUMPTION = attrgetter("consumption")


@dataclass(frozen=True)
class SplicedBase:
    """The baseline's summary (`base`, rows in natural order) with per row its block
    (`owner`, by section); with prices, its deficits (in order) and theirs; the whole
    solve's outcome; how many blocks the baseline has."""

    base: Result
    owner: dict[str, np.ndarray]
    deficits: list[Short]
    deficit_owner: np.ndarray
    whole: BlockOutcome
    priced: bool
    blocks: int

    def variant(
        self,
        variant: Scenario,
        gone: list[int],
        dropped: list[BlockOutcome],
        added: list[BlockOutcome],
    ) -> Result:
        """The variant's summary, its baseline blocks `gone` (their outcomes `dropped`)
        replaced by `added`."""
        base = self.base
        if any(o.result.status is not base.status for o in added):
            raise NotExact
        mask = np.zeros(self.blocks, dtype=bool)
        mask[gone] = True
        rows: dict[str, Any] = {}
        for name, ident in ROWS:
            new = sorted((row for o in added for row in getattr(o.result, name)),
                         key=natural(ident))  # fmt: skip
            rows[name] = tuple(splice(getattr(base, name), self.owner[name], mask, new, ident))

        def total(name: str) -> int:
            before = sum(getattr(o.result.objective, name) for o in dropped)
            after = sum(getattr(o.result.objective, name) for o in added)
            return int(getattr(base.objective, name) - before + after)

        totals: dict[str, Any] = {
            name: total(name) for name in ("outstanding_units", "uncovered", "affinity")
        }
        if self.priced:
            new = sorted((d for o in added for d in o.result.deficits), key=natural(_CONSUMPTION))
            deficits = splice(self.deficits, self.deficit_owner, mask, new, _CONSUMPTION)
            totals["outstanding_cost"] = summed_cost(variant, deficits)
        objective = base.objective.model_copy(update=totals)
        head = spliced_head(self.whole, dropped, added, objective)
        return base.model_copy(update={**rows, **head, "scenario": variant.name})


def natural(ident: Any) -> Any:
    return lambda row: natural_key(ident(row))
