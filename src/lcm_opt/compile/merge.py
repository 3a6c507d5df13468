"""A18: per-user products count one consumption per distinct user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from lcm_opt.domain import Metric, Product, natural_key


class UserRow(Protocol):
    """What the merge reads of a consumption (a Consumption is one)."""

    @property
    def id(self) -> str: ...

    @property
    def product(self) -> str: ...

    @property
    def user(self) -> str | None: ...

    @property
    def asset(self) -> str | None: ...


R = TypeVar("R", bound=UserRow)


def merge_per_user(
    consumptions: Sequence[R], products: Mapping[str, Product]
) -> tuple[list[R], dict[str, str]]:
    """For user-metric products, rows sharing (product, user) become one consumption: the
    row of the user's first device by asset id (then row id), whose attributes stand for
    the user (A18: no user records in the format). Rows without a user stay their own
    1-unit consumption. Returns the kept rows and a map merged row id -> kept id."""
    kept: list[R] = []
    by_user: dict[tuple[str, str], list[R]] = {}
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
