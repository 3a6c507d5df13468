"""Tiny hand-built inputs: scenarios from short lists of dicts, default rule set."""

from __future__ import annotations

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
