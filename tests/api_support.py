"""API keys for the tests: two owners, their tokens and the settings that hold their hashes."""

from __future__ import annotations

from typing import Any

from lcm_opt.adapters.api.auth import hash_token
from lcm_opt.adapters.api.settings import ApiKey

ALICE = "alice-token-" + "a1" * 20
BOB = "bob-token-" + "b2" * 20
KEYS = (
    ApiKey(name="alice", sha256=hash_token(ALICE)),
    ApiKey(name="bob", sha256=hash_token(BOB)),
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pair_bomb(consumptions: int, licences: int, name: str = "bomb") -> dict[str, Any]:
    """Every consumption at its own site under one parent, every licence scoped to the
    parent: consumptions x licences eligible pairs (the work grows with the product)."""
    sites = {f"site-{i}": "HQ" for i in range(consumptions)}
    return {
        "name": name,
        "org": {"locations": {"HQ": None, **sites}},
        "products": [{"id": "p", "metric": "device"}],
        "licences": [
            {"id": f"L-{j}", "product": "p", "type": "device", "seats": 1, "location": "HQ"}
            for j in range(licences)
        ],
        "consumptions": [
            {"id": f"c{i}", "product": "p", "asset": f"a{i}", "location": f"site-{i}"}
            for i in range(consumptions)
        ],
    }
