"""A18: per-user products count one consumption per distinct user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lcm_opt.domain import Consumption, Metric, Product, natural_key


def merge_per_user(
    consumptions: Sequence[Consumption], products: Mapping[str, Product]
) -> tuple[list[Consumption], dict[str, str]]:
    """For user-metric products, rows sharing (product, user) become one consumption: the
    row of the user's first device by asset id (then row id), whose attributes stand for
    the user (A18: no user records in the format). Rows without a user stay their own
    1-unit consumption. Returns the kept rows and a map merged row id -> kept id."""
    kept: list[Consumption] = []
    by_user: dict[tuple[str, str], list[Consumption]] = {}
    for row in consumptions:
        if products[row.product].metric is Metric.USER and row.user is not None:
            by_user.setdefault((row.product, row.user), []).append(row)
        else:
            kept.append(row)
    merged: dict[str, str] = {}
    for rows in by_user.values():
        rows.sort(key=lambda r: (natural_key(r.asset or ""), natural_key(r.id)))
        kept.append(rows[0])
        merged.update({r.id: rows[0].id for r in rows[1:]})
    return kept, merged
