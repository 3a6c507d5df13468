"""One engine run as the report reads it: the result JSON's small sections as they are, and
the per-record sections (grants, deficits) reduced to aggregates and their first rows.

A run comes either from a result JSON (a saved file, a comparison, a what-if report, a run
stored by the API) or straight from an engine's index records, so that a million-install
estate is reported without building a model per grant."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason
from lcm_opt.engines.assemble import summary
from lcm_opt.engines.base import Allocation

TOP_ROWS = 200
"""Rows a long table shows on the page; the workbook has them all."""

RECORD_KEYS = frozenset({"grants", "deficits"})

Run = dict[str, Any]
DeficitTuple = tuple[str, str, int, str, str | None]  # consumption, product, units, reason, detail
GrantTuple = tuple[str, int, bool, bool]  # licence, units, direct, downgrade


def deficit_summary(rows: Iterable[DeficitTuple]) -> dict[str, Any]:
    """Counts and units per reason, per (reason, product) and per (reason, detail), and the
    first TOP_ROWS deficits of each reason, in the order given (the result's order)."""
    count: Counter[str] = Counter()
    units: Counter[str] = Counter()
    per_product: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    per_detail: Counter[tuple[str, str]] = Counter()
    top: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for consumption, product, n, reason, detail in rows:
        count[reason] += 1
        units[reason] += n
        cell = per_product[reason, product]
        cell[0] += 1
        cell[1] += n
        per_detail[reason, detail or ""] += 1
        if len(top[reason]) < TOP_ROWS:
            top[reason].append(
                {"consumption": consumption, "product": product, "units": n,
                 "reason": reason, "detail": detail}
            )  # fmt: skip
    reasons = sorted(count)
    return {
        "total": sum(count.values()),
        "units": sum(units.values()),
        "by_reason": [{"reason": r, "count": count[r], "units": units[r]} for r in reasons],
        "by_product": [
            {"reason": r, "product": p, "count": c, "units": u}
            for (r, p), (c, u) in sorted(per_product.items(), key=lambda kv: (kv[0][0], -kv[1][1]))
        ],
        "by_detail": [
            {"reason": r, "detail": d, "count": c}
            for (r, d), c in sorted(per_detail.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
        ],
        "top": {r: top[r] for r in reasons},
    }


def grant_summary(rows: Iterable[GrantTuple]) -> dict[str, Any]:
    total = direct = downgrade = units = 0
    for _licence, n, is_direct, is_downgrade in rows:
        total += 1
        units += n
        direct += is_direct
        downgrade += is_downgrade
    return {"total": total, "units": units, "direct": direct, "downgrade": downgrade}


def _deficits_of(result: Mapping[str, Any]) -> Iterator[DeficitTuple]:
    for d in result.get("deficits") or ():
        yield d["consumption"], d["product"], d["units"], d["reason"], d.get("detail")


def _grants_of(result: Mapping[str, Any]) -> Iterator[GrantTuple]:
    for g in result.get("grants") or ():
        yield g["licence"], g["units"], g.get("source") == "direct", bool(g.get("downgrade"))


def run_from_json(result: Mapping[str, Any]) -> Run:
    """A run of a result JSON: every section but grants and deficits kept as it is
    (unknown ones too: later additions to the contract are rendered generically)."""
    run: Run = {k: v for k, v in result.items() if k not in RECORD_KEYS}
    run["deficit_summary"] = deficit_summary(_deficits_of(result))
    run["grant_summary"] = grant_summary(_grants_of(result))
    return run


def run_from_allocation(problem: Problem, allocation: Allocation) -> Run:
    """The same run read off an engine's records: equal to `run_from_json` of the
    assembled result, without assembling it."""
    run: Run = summary(problem, allocation).model_dump(mode="json")
    for key in RECORD_KEYS:
        run.pop(key, None)
    ids, products = problem.consumption_ids, problem.product_ids
    lids = problem.licence_ids

    def deficits() -> Iterator[DeficitTuple]:
        for d in sorted(allocation.deficits, key=lambda d: d.consumption):
            cls = problem.class_of(d.consumption)
            reason = DeficitReason(d.reason).value
            yield ids[d.consumption], products[cls.product], cls.product_units, reason, d.detail

    run["deficit_summary"] = deficit_summary(deficits())
    run["grant_summary"] = grant_summary(
        (lids[g.licence], g.units, g.direct, g.downgrade) for g in allocation.grants
    )
    return run
