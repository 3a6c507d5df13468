"""Seeded all-or-nothing (per-core) estates for benchmarks/aon.py, built in memory.

One product family in three versions (db2016, db2019, db2022; a newer licence may cover an
older version when downgrades are on). Hosts draw cores from CORES, a department (6 leaves
under 2 divisions) and a site (4 sites under 2 regions); hosts that agree on all of these
are interchangeable, so class counts grow far slower than host counts, as in real server
estates. Licences mix the core codes CORE, CORE4 and CORE8 (each its own split group, A32),
are scoped to a region, a site or nothing (the default rule set's location requirement),
and hold rho x their product's demand in total. Features switch on:

* downgrades: products allow `one` downgrade step (R32);
* pins: 1 % of hosts are assigned directly to a random licence of their product;
* lcm: 20 % of finite licences reserve 10 % of their seats (A45), and 25 % of the newer
  versions' licences carry a Track Deployment cap for their own product (L5) at 40 %
  of their seats.

`instance(hosts, objective, features, seed)` returns a validated Scenario; everything is
drawn from `numpy.random.default_rng(seed)`, so the same arguments give the same estate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lcm_opt.domain import Scenario

VERSIONS = ("2016", "2019", "2022")
CORES = np.array([2, 4, 4, 6, 8, 8, 12, 16, 16, 24, 32, 48, 64])
CODES = ("CORE", "CORE4", "CORE8")
SITES = {"EU": ("London", "Paris"), "US": ("NewYork", "Austin")}
DIVISIONS = {"Tech": ("Eng", "Ops", "Data"), "Business": ("Sales", "Finance", "HR")}
FEATURES = ("downgrades", "pins", "lcm")
RULES = "src/lcm_opt/data/rulesets/xassets-default.rules"
PRICES = (1890.5, 2410.25, 3120.75)  # per core, by version


def _org() -> dict[str, Any]:
    locations: dict[str, str | None] = {"World": None}
    for region, sites in SITES.items():
        locations[region] = "World"
        locations.update(dict.fromkeys(sites, region))
    departments: dict[str, str | None] = {"Corp": None}
    for division, leaves in DIVISIONS.items():
        departments[division] = "Corp"
        departments.update(dict.fromkeys(leaves, division))
    return {"locations": locations, "departments": departments}


def instance(
    hosts: int,
    objective: str,
    features: tuple[str, ...],
    seed: int,
    *,
    rules: tuple[str, ...],
    rho: float = 0.85,
    licences_per_version: int | None = None,
) -> Scenario:
    rng = np.random.default_rng(seed)
    sites = [s for group in SITES.values() for s in group]
    depts = [d for group in DIVISIONS.values() for d in group]
    regions = list(SITES)
    downgrade = "one" if "downgrades" in features else "none"
    products = [
        {"id": f"db{v}", "name": f"Database {v}", "family": "db", "version": v,
         "metric": "core", "downgrade": downgrade, "unit_price": PRICES[i]}
        for i, v in enumerate(VERSIONS)
    ]  # fmt: skip
    version = rng.choice(len(VERSIONS), hosts, p=[0.25, 0.45, 0.3])
    cores = rng.choice(CORES, hosts)
    consumptions = [
        {"id": f"h{i:05d}", "product": products[int(version[i])]["id"], "asset": f"h{i:05d}",
         "cores": int(cores[i]), "location": sites[int(rng.integers(len(sites)))],
         "department": depts[int(rng.integers(len(depts)))]}
        for i in range(hosts)
    ]  # fmt: skip
    per_version = licences_per_version or max(3, min(40, hosts // 60))
    licences: list[dict[str, Any]] = []
    for v, product in enumerate(products):
        demand = int((cores * (version == v)).sum())
        shares = rng.dirichlet(np.ones(per_version)) * rho * demand
        for j in range(per_version):
            scope = rng.random()
            lic: dict[str, Any] = {
                "id": f"L{v}{j:02d}", "product": product["id"],
                "type": CODES[int(rng.integers(len(CODES)))],
                "seats": max(8, round(float(shares[j]))),
                "department": depts[int(rng.integers(len(depts)))],
            }  # fmt: skip
            if scope < 0.4:
                lic["location"] = sites[int(rng.integers(len(sites)))]
            elif scope < 0.8:
                lic["location"] = regions[int(rng.integers(len(regions)))]
            licences.append(lic)
    extra: dict[str, Any] = {}
    if "pins" in features:
        extra["direct_assignments"] = _pins(rng, consumptions, licences, hosts)
    if "lcm" in features:
        extra.update(_pools(rng, licences))
    return Scenario.model_validate(
        {
            "name": f"aon-{hosts}-{objective}-{'+'.join(features) or 'plain'}-s{seed}",
            "rules": {"name": "default", "lines": rules, "source": RULES},
            "settings": {"objective": objective},
            "org": _org(),
            "products": products,
            "licences": licences,
            "consumptions": consumptions,
            **extra,
        }
    )


def _pins(
    rng: np.random.Generator,
    consumptions: list[dict[str, Any]],
    licences: list[dict[str, Any]],
    hosts: int,
) -> list[dict[str, str]]:
    by_product: dict[str, list[str]] = {}
    for lic in licences:
        by_product.setdefault(lic["product"], []).append(lic["id"])
    rows = np.sort(rng.choice(hosts, max(1, hosts // 100), replace=False))
    pins = []
    for row in rows.tolist():
        ids = by_product[consumptions[row]["product"]]
        licence = ids[int(rng.integers(len(ids)))]
        pins.append({"licence": licence, "consumption": consumptions[row]["id"]})
    return pins


def _pools(rng: np.random.Generator, licences: list[dict[str, Any]]) -> dict[str, Any]:
    reservations, tracked = [], []
    for lic in licences:
        seats = int(lic["seats"])
        if rng.random() < 0.2 and seats >= 10:
            reservations.append(
                {"licence": lic["id"], "name": f"hold-{lic['id']}", "quantity": seats // 10}
            )
        if lic["product"] != "db2016" and rng.random() < 0.25:
            tracked.append(
                {"licence": lic["id"], "product": lic["product"], "quantity": seats * 4 // 10}
            )
    return {"reservations": reservations, "tracked_deployments": tracked}
