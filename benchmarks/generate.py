"""Seeded benchmark instances (docs/benchmarks.md), written as real scenarios.

    python benchmarks/generate.py --size M --out DIR [--rho 1.1] [--seed 0] [--units cores]

or `generate("M", Path(DIR))` from Python. Everything is drawn from one
`numpy.random.default_rng(seed)`, so a (size, seed, rho, units) tuple gives the same bytes.

Instance: each product owns L/P licences (the first L mod P products one more).
Product sizes are lognormal(0, 1) weights and a multinomial split of N. A product has
min(n_p, 300) classes; a class draws a department (5 values), location (4) and cost centre
(8), and U{2..20} (capped at L/P) distinct licences of its product. Consumptions spread over
the classes by Zipf(0.8) weights, then their ids are shuffled. 1 % of the licences are
unlimited and keep each of their eligible edges with probability 0.1. Capacity per product
is rho x demand (installs, or cores), split over its finite licences by Dirichlet(1),
rounded, minimum 1. 1 % of the consumptions are pinned to a random eligible licence. With
units=cores every class has cores from {1,2,4,4,8,8,8,16,16,32}, licences are type CORE.

Eligibility encoding (exact, through the real rule engine). Each org attribute holds one
value per record, so no `=` or `within` requirement on them can give a class an arbitrary
set of licences. The custodian field carries a bit set instead: licence number s of its
product has custodian 2**s, and a class's custodian is the sum of the bits of its eligible
licences. The rule file written next to the scenario (RULES) keeps a pair only when that
bit is set, using the rule language's integer arithmetic (`q - q / 2 * 2` is `q mod 2`).
Affinity is 3000 [dept =] + 800 [loc =] + 300 [cc =] on the drawn attributes (A_max 4100).
Each class is one distinct value of (product, department, location, cost centre,
custodian[, cores]), which is also the consumer's class key, so compression is exact.

Next to scenario.yaml the generator writes licences.csv, consumptions.csv, rules.rules and
digest.json (N, L, P, K, raw and class pairs, capacity, demand, rho, seed, file hashes).
K counts the distinct non-empty classes (the consumer's compression must find exactly
that many); `classes_drawn` is the min(n_p, 300) classes drawn per product, empty ones included.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

DEPARTMENTS = tuple(f"dep{i}" for i in range(1, 6))
LOCATIONS = tuple(f"loc{i}" for i in range(1, 5))
COST_CENTRES = tuple(f"cc{i}" for i in range(1, 9))
CORE_CHOICES = np.array([1, 2, 4, 4, 8, 8, 8, 16, 16, 32])
MAX_SLOTS = 62  # licences per product: bits of the custodian set must fit an int64

RULES = """\
# Benchmark rule set (benchmarks/generate.py). Eligibility: a licence's custodian is 2**s,
# s its number within its product; a consumption's custodian is the sum of the bits of the
# licences it may use. The pair passes when that bit is set: q - (q / 2) * 2 = q mod 2.
Requirement (Consumption.CustodianID / License.CustodianID) - (Consumption.CustodianID / License.CustodianID / 2) * 2 = 1
Affinity Consumption.DepartmentID = License.DepartmentID, 3000
Affinity Consumption.LocationID = License.LocationID, 800
Affinity Consumption.CostCentreID = License.CostCentreID, 300
"""  # noqa: E501


@dataclass(frozen=True)
class Params:
    """Generator parameters of one size; `units` is "installs" (1 per consumption) or "cores"."""

    name: str
    n_consumptions: int
    n_licences: int
    n_products: int
    units: str = "installs"
    classes_per_product: int = 300
    class_zipf: float = 0.8
    degree: tuple[int, int] = (2, 20)
    unlimited_frac: float = 0.01
    unlimited_keep: float = 0.1
    pin_frac: float = 0.01


SIZES = {
    "S": Params("S", 10_000, 50, 2),
    "M": Params("M", 100_000, 500, 20),
    "L": Params("L", 1_000_000, 2_000, 80),
    "XL": Params("XL", 1_000_000, 20_000, 1_000),
    "XXL": Params("XXL", 10_000_000, 20_000, 1_000),  # ten times XL's installs
    "C-S": Params("C-S", 1_000, 50, 2, units="cores"),
    "C-M": Params("C-M", 10_000, 200, 8, units="cores"),
}


@dataclass
class _Instance:
    """Arrays of one instance: licences (l_*), classes (k_*), consumption rows, pins."""

    lic_product: np.ndarray
    lic_slot: np.ndarray
    lic_attrs: np.ndarray  # (L, 3) department, location, cost centre indices
    lic_unlimited: np.ndarray
    lic_seats: np.ndarray
    k_product: np.ndarray
    k_attrs: np.ndarray  # (K, 3)
    k_mask: np.ndarray
    k_cores: np.ndarray
    k_count: np.ndarray
    row_class: np.ndarray  # class of consumption row i (id order)
    pins: list[tuple[int, int]]  # (licence index, consumption row)


def generate(
    size: str | Params,
    out_dir: Path,
    seed: int = 0,
    rho: float = 0.9,
    units: str | None = None,
) -> Path:
    """Writes one instance into `out_dir` and returns the path of its scenario.yaml.
    `units` None keeps the size's own (cores for C-S and C-M, installs otherwise)."""
    params = SIZES[size] if isinstance(size, str) else size
    if units is not None:
        params = replace(params, units=units)
    if params.units not in ("installs", "cores"):
        raise ValueError(f"units must be installs or cores, got {params.units!r}")
    inst = _draw(params, np.random.default_rng(seed), rho)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"bench-{params.name}-{params.units}-rho{rho}-seed{seed}"
    files = {
        "rules.rules": RULES,
        "licences.csv": _licences_csv(params, inst),
        "consumptions.csv": _consumptions_csv(params, inst),
        "scenario.yaml": _scenario_yaml(params, inst, name),
    }
    for file_name, text in files.items():
        (out_dir / file_name).write_text(text, encoding="utf-8", newline="\n")
    digest = _digest(params, inst, seed, rho, name, files)
    (out_dir / "digest.json").write_text(json.dumps(digest, indent=2) + "\n", encoding="utf-8")
    return out_dir / "scenario.yaml"


# --- drawing -----------------------------------------------------------------------------


def _draw(p: Params, rng: np.random.Generator, rho: float) -> _Instance:
    per_product = np.full(p.n_products, p.n_licences // p.n_products)
    per_product[: p.n_licences % p.n_products] += 1
    if per_product.max() > MAX_SLOTS:
        raise ValueError(f"at most {MAX_SLOTS} licences per product, got {per_product.max()}")
    lic_product = np.repeat(np.arange(p.n_products), per_product)
    first = np.concatenate(([0], np.cumsum(per_product)[:-1]))
    lic_slot = np.arange(p.n_licences) - first[lic_product]
    weights = rng.lognormal(0.0, 1.0, p.n_products)
    sizes = rng.multinomial(p.n_consumptions, weights / weights.sum())
    lic_attrs = _attrs(rng, p.n_licences)
    lic_unlimited = np.zeros(p.n_licences, dtype=bool)
    n_unlimited = int(p.unlimited_frac * p.n_licences + 0.5)
    lic_unlimited[rng.choice(p.n_licences, n_unlimited, replace=False)] = True

    parts = [
        _classes(p, rng, int(sizes[q]), lic_unlimited[lic_product == q])
        for q in range(p.n_products)
    ]
    k_product = np.repeat(np.arange(p.n_products), [len(part[0]) for part in parts])
    k_mask, k_attrs, k_cores, k_count = (
        np.concatenate([part[i] for part in parts]) for i in range(4)
    )
    k_attrs = k_attrs.reshape(-1, 3)
    row_class = rng.permutation(np.repeat(np.arange(len(k_count)), k_count))  # shuffled ids

    demand = np.bincount(k_product, weights=k_count * k_cores, minlength=p.n_products)
    lic_seats = np.zeros(p.n_licences, dtype=np.int64)
    for q in range(p.n_products):
        finite = np.flatnonzero((lic_product == q) & ~lic_unlimited)
        if len(finite):
            split = rng.dirichlet(np.ones(len(finite))) * rho * demand[q]
            lic_seats[finite] = np.maximum(1, np.rint(split)).astype(np.int64)
    inst = _Instance(
        lic_product, lic_slot, lic_attrs, lic_unlimited, lic_seats,
        k_product, k_attrs, k_mask, k_cores, k_count, row_class, [],
    )  # fmt: skip
    inst.pins = _pins(p, rng, inst, first)
    return inst


def _attrs(rng: np.random.Generator, n: int) -> np.ndarray:
    sizes = (len(DEPARTMENTS), len(LOCATIONS), len(COST_CENTRES))
    return np.stack([rng.integers(0, size, n) for size in sizes], axis=1)


def _classes(
    p: Params, rng: np.random.Generator, n_p: int, unlimited: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One product's classes: custodian bit sets, attributes (flat), cores, counts."""
    k, slots = min(n_p, p.classes_per_product), len(unlimited)
    degree = np.minimum(rng.integers(p.degree[0], p.degree[1] + 1, k), slots)
    rank = rng.random((k, slots)).argsort(axis=1).argsort(axis=1)
    chosen = rank < degree[:, None]  # `degree` distinct random licences per class
    for s in np.flatnonzero(unlimited):
        chosen[:, s] &= rng.random(k) < p.unlimited_keep
    mask = (chosen * (np.int64(1) << np.arange(slots, dtype=np.int64))).sum(axis=1)
    attrs = _attrs(rng, k)
    cores = rng.choice(CORE_CHOICES, k) if p.units == "cores" else np.ones(k, dtype=np.int64)
    zipf = 1.0 / np.arange(1, k + 1) ** p.class_zipf
    count = rng.multinomial(n_p, zipf / zipf.sum()) if k else np.zeros(0, dtype=np.int64)
    return mask.astype(np.int64), attrs.ravel(), cores.astype(np.int64), count


def _pins(
    p: Params, rng: np.random.Generator, inst: _Instance, first: np.ndarray
) -> list[tuple[int, int]]:
    n_rows = len(inst.row_class)
    rows = np.sort(rng.choice(n_rows, int(p.pin_frac * n_rows + 0.5), replace=False))
    pins = []
    for row in rows.tolist():
        k = inst.row_class[row]
        mask = int(inst.k_mask[k])
        slots = [s for s in range(mask.bit_length()) if mask >> s & 1]
        if slots:
            slot = slots[int(rng.integers(len(slots)))]
            pins.append((int(first[inst.k_product[k]]) + slot, row))
    return pins


# --- writing -----------------------------------------------------------------------------


def _width(n: int) -> int:
    return len(str(max(n - 1, 0)))


def _ids(prefix: str, n: int) -> list[str]:
    w = _width(n)
    return [f"{prefix}{i:0{w}d}" for i in range(n)]


def _columns(*arrays: np.ndarray) -> zip[tuple[Any, ...]]:
    return zip(*(a.tolist() for a in arrays), strict=True)


def _licences_csv(p: Params, inst: _Instance) -> str:
    products, ids = _ids("p", p.n_products), _ids("l", p.n_licences)
    kind = "core" if p.units == "cores" else "device"
    lines = ["id,product,type,seats,unlimited,location,department,cost_centre,custodian"]
    columns = _columns(
        inst.lic_product, inst.lic_slot, inst.lic_attrs, inst.lic_unlimited, inst.lic_seats
    )
    for i, (q, s, (d, lo, c), unl, seats) in enumerate(columns):
        cap = ",true" if unl else f"{seats},false"
        lines.append(
            f"{ids[i]},{products[q]},{kind},{cap},{LOCATIONS[lo]},{DEPARTMENTS[d]},"
            f"{COST_CENTRES[c]},{1 << s}"
        )
    return "\n".join(lines) + "\n"


def _consumptions_csv(p: Params, inst: _Instance) -> str:
    products = _ids("p", p.n_products)
    cores = p.units == "cores"
    tails = [
        f"{products[q]},{LOCATIONS[lo]},{DEPARTMENTS[d]},{COST_CENTRES[c]},{m}"
        + (f",{n}" if cores else "")
        for q, (d, lo, c), m, n in _columns(inst.k_product, inst.k_attrs, inst.k_mask, inst.k_cores)
    ]
    w = _width(len(inst.row_class))
    header = "id,product,location,department,cost_centre,custodian" + (",cores" if cores else "")
    rows = [f"c{i:0{w}d},{tails[k]}" for i, k in enumerate(inst.row_class.tolist())]
    return "\n".join([header, *rows]) + "\n"


def _scenario_yaml(p: Params, inst: _Instance, name: str) -> str:
    metric = "core" if p.units == "cores" else "device"
    lic_ids, row_w = _ids("l", p.n_licences), _width(len(inst.row_class))

    def flat(values: tuple[str, ...]) -> str:
        return "{" + ", ".join(f"{v}: null" for v in values) + "}"

    lines = [
        "# Generated by benchmarks/generate.py; do not edit (see digest.json).",
        f"name: {name}",
        "rules: rules.rules",
        "org:",
        f"  departments: {flat(DEPARTMENTS)}",
        f"  locations: {flat(LOCATIONS)}",
        f"  cost_centres: {flat(COST_CENTRES)}",
        "products:",
        *(f"  - {{id: {q}, name: Product {q}, metric: {metric}}}" for q in _ids("p", p.n_products)),
        "licences: {csv: licences.csv}",
        "consumptions: {csv: consumptions.csv}",
        "direct_assignments:" + ("" if inst.pins else " []"),
        *(f"  - {{licence: {lic_ids[li]}, consumption: c{r:0{row_w}d}}}" for li, r in inst.pins),
    ]
    return "\n".join(lines) + "\n"


def _digest(
    p: Params, inst: _Instance, seed: int, rho: float, name: str, files: dict[str, str]
) -> dict[str, object]:
    used = inst.k_count > 0
    keys = np.column_stack([inst.k_product, inst.k_attrs, inst.k_mask, inst.k_cores])[used]
    distinct = np.unique(keys, axis=0)
    degree = np.array([bin(int(m)).count("1") for m in distinct[:, 4]], dtype=np.int64)
    k_degree = np.array([bin(int(m)).count("1") for m in inst.k_mask], dtype=np.int64)
    raw_pairs = int((inst.k_count * k_degree).sum())
    return {
        "name": name,
        "params": asdict(p),
        "seed": seed,
        "rho": rho,
        "N": len(inst.row_class),
        "L": p.n_licences,
        "P": p.n_products,
        "K": len(distinct),  # distinct non-empty classes: what class compression finds
        "classes_drawn": len(inst.k_count),  # min(n_p, 300) per product, empty ones included
        "raw_pairs": raw_pairs,
        "class_pairs": int(degree.sum()),
        "compression": round(raw_pairs / max(int(degree.sum()), 1), 2),
        "unlimited_licences": int(inst.lic_unlimited.sum()),
        "total_capacity": int(inst.lic_seats.sum()),
        "total_demand": int((inst.k_count * inst.k_cores).sum()),  # cores are 1 for installs
        "pins": len(inst.pins),
        "files": {f: hashlib.sha256(t.encode()).hexdigest() for f, t in sorted(files.items())},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", required=True, choices=sorted(SIZES))
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--rho", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--units", choices=("installs", "cores"), default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = generate(args.size, args.out, seed=args.seed, rho=args.rho, units=args.units)
    digest = json.loads((path.parent / "digest.json").read_text(encoding="utf-8"))
    summary = {k: digest[k] for k in ("N", "L", "P", "K", "raw_pairs", "class_pairs")}
    print(f"{path} in {time.perf_counter() - start:.2f} s: {summary}")


if __name__ == "__main__":
    main()
