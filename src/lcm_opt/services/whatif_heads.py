"""What a result holds besides its records and totals, for a what-if whose baseline was
solved whole (whatif_summary.py): as the block-by-block merge (whatif_merge.py) makes it.

The whole solve's outcome stands for all its blocks: its keyed warnings and merged ids are
theirs together, its bound in integer units their bounds' sum. A variant's are the
baseline's less those of the blocks it replaced, plus those of its new blocks, ordered as
the merge orders them; a merged result lists its merged ids in plain string order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from lcm_opt.domain import ObjectiveValues
from lcm_opt.services.whatif_merge import BlockOutcome, merged_stages

__all__ = ["NotExact", "merged_ids", "spliced_head"]


class NotExact(Exception):
    """The block-by-block comparison is needed: see whatif_summary.py."""


def merged_ids(merged: dict[str, str]) -> dict[str, str]:
    """A merged result's `merged`, in the merge's order."""
    return dict(sorted(merged.items()))


def spliced_head(
    whole: BlockOutcome,
    dropped: Sequence[BlockOutcome],
    added: Sequence[BlockOutcome],
    objective: ObjectiveValues,
) -> dict[str, Any]:
    """A variant's objective (`objective`, its totals already spliced, with the bound and
    stages), warnings and merged ids, as fields of its Result."""
    lowers = [whole.lower, *(o.lower for o in dropped), *(o.lower for o in added)]
    if None in lowers and any(lower is not None for lower in lowers):
        raise NotExact  # the merge's bound is unknown where any block's is
    bound = None
    if whole.lower is not None:
        lower = whole.lower - sum(o.lower or 0 for o in dropped)
        bound = (lower + sum(o.lower or 0 for o in added)) / whole.scale
    gap = whole.result.objective.gap
    stages = merged_stages([whole, *added], bound, gap, objective.affinity)
    update = {"bound": bound, "gap": gap, "stages": stages}
    merged = dict(whole.result.merged)
    for o in dropped:
        for key in o.result.merged:
            merged.pop(key, None)
    for o in added:
        merged.update(o.result.merged)
    return {
        "objective": objective.model_copy(update=update),
        "warnings": _warnings(whole, dropped, added),
        "merged": merged_ids(merged),
    }


def _warnings(
    whole: BlockOutcome, dropped: Sequence[BlockOutcome], added: Sequence[BlockOutcome]
) -> tuple[str, ...]:
    compiled = _keyed([o.compile_warnings for o in (whole, *dropped, *added)], len(dropped))
    engine = _keyed([o.engine_warnings for o in (whole, *dropped, *added)], len(dropped))
    return (*compiled, *whole.scenario_warnings, *engine)


def _keyed(lists: list[tuple[tuple[Any, str], ...]], dropped: int) -> list[str]:
    """The first list's keyed warnings less the next `dropped` lists', plus the rest's,
    sorted by key (stably, as the merge sorts them)."""
    gone = Counter(kw for keyed in lists[1 : 1 + dropped] for kw in keyed)
    kept = []
    for kw in lists[0]:
        if gone[kw]:
            gone[kw] -= 1
        else:
            kept.append(kw)
    every = kept + [kw for keyed in lists[1 + dropped :] for kw in keyed]
    return [w for _, w in sorted(every, key=lambda kw: kw[0])]
