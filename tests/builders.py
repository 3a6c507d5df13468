"""Tiny hand-built inputs: scenarios from short lists of dicts, default rule set."""

from __future__ import annotations

import random
from typing import Any

from lcm_opt.domain import Scenario
from tests.conftest import ROOT

DEFAULT_RULES = tuple(
    (ROOT / "src/lcm_opt/data/rulesets/xassets-default.rules").read_text().splitlines()
)


def scenario(
    products: list[dict[str, Any]],
    licences: list[dict[str, Any]],
    consumptions: list[dict[str, Any]],
    **extra: Any,
) -> Scenario:
    rules = extra.pop("rules", DEFAULT_RULES)
    return Scenario.model_validate(
        {
            "name": extra.pop("name", "t"),
            "rules": {"name": "t", "lines": rules, "source": "t.rules"},
            "products": products,
            "licences": licences,
            "consumptions": consumptions,
            **extra,
        }
    )


def devices(n: int, product: str = "P", **attrs: Any) -> list[dict[str, Any]]:
    """n device consumptions c01.. with zero-padded ids so string and A31 order agree."""
    return [{"id": f"c{i:02d}", "product": product, "asset": f"a{i:02d}", **attrs} for i in
            range(1, n + 1)]  # fmt: skip


def core_hosts_in_three_departments() -> tuple[list[dict[str, Any]], ...]:
    """(products, licences, consumptions): 40 per-core hosts of three departments (three
    kinds of classes) over six CORE licences, seeded; too hard for a one-node limit on the
    class model's affinity stage."""
    rng = random.Random(0)
    depts = ["Sales", "HR", "Finance"]
    servers = [{"id": f"s{i:02d}", "product": "S", "asset": f"s{i:02d}",
                "cores": rng.choice([3, 5, 7, 11, 13, 17, 19, 23, 29, 31]),
                "department": rng.choice(depts)} for i in range(40)]  # fmt: skip
    licences = [{"id": f"L{j}", "product": "S", "type": "CORE", "seats": rng.randint(30, 90),
                 "department": rng.choice(depts)} for j in range(6)]  # fmt: skip
    return [{"id": "S", "metric": "core"}], licences, servers
