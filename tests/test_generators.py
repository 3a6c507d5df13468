"""The benchmark generator (benchmarks/generate.py) and the demo builder
(scenarios/demo/make_demo.py): determinism, instance shape and digest, and that the
committed demo files are exactly what the script produces."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.services.solve import solve

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo"


def _module(name: str, path: Path) -> ModuleType:
    """Imports a script that is not in a package (registered first: dataclasses need it)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = sys.modules.setdefault(name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    return module


gen = _module("benchmarks_generate", ROOT / "benchmarks" / "generate.py")
demo = _module("scenarios_demo_make_demo", DEMO / "make_demo.py")
TINY = gen.Params("tiny", 3_000, 40, 2)
FILES = ("scenario.yaml", "rules.rules", "licences.csv", "consumptions.csv", "digest.json")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gen.generate(TINY, tmp_path_factory.mktemp("tiny"), seed=3, rho=1.1).parent


# --- benchmark generator -----------------------------------------------------------------


def test_sizes_follow_performance_spec() -> None:
    shapes = {
        n: (p.n_consumptions, p.n_licences, p.n_products, p.units) for n, p in gen.SIZES.items()
    }
    assert shapes == {
        "S": (10_000, 50, 2, "installs"),
        "M": (100_000, 500, 20, "installs"),
        "L": (1_000_000, 2_000, 80, "installs"),
        "XL": (1_000_000, 20_000, 1_000, "installs"),
        "XXL": (10_000_000, 20_000, 1_000, "installs"),
        "C-S": (1_000, 50, 2, "cores"),
        "C-M": (10_000, 200, 8, "cores"),
    }


def test_same_seed_same_bytes_other_seed_other_instance(tiny: Path, tmp_path: Path) -> None:
    again = gen.generate(TINY, tmp_path / "again", seed=3, rho=1.1).parent
    for name in FILES:
        assert (again / name).read_bytes() == (tiny / name).read_bytes(), name
    other = gen.generate(TINY, tmp_path / "other", seed=4, rho=1.1).parent
    assert (other / "consumptions.csv").read_bytes() != (tiny / "consumptions.csv").read_bytes()


def test_digest_matches_the_files(tiny: Path) -> None:
    digest = json.loads((tiny / "digest.json").read_text(encoding="utf-8"))
    for name, sha in digest["files"].items():
        assert hashlib.sha256((tiny / name).read_bytes()).hexdigest() == sha, name
    licences, rows = _read(tiny / "licences.csv"), _read(tiny / "consumptions.csv")
    assert (digest["N"], digest["L"], digest["P"]) == (3_000, 40, 2)
    assert (len(rows), len(licences)) == (3_000, 40)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    degree = [bin(int(r["custodian"])).count("1") for r in rows]
    assert digest["raw_pairs"] == sum(degree)
    assert max(degree) <= 20 and max(int(r["custodian"]) for r in rows) < 2**20
    key = ("product", "department", "location", "cost_centre", "custodian")
    classes = {tuple(r[k] for k in key) for r in rows}
    assert digest["K"] == len(classes) <= digest["classes_drawn"] <= 2 * 300
    assert digest["class_pairs"] == sum(bin(int(k[-1])).count("1") for k in classes)
    finite = [lic for lic in licences if lic["unlimited"] == "false"]
    assert digest["total_capacity"] == sum(int(lic["seats"]) for lic in finite)
    assert digest["unlimited_licences"] == 40 - len(finite) == 0  # 1 % of 40 rounds to 0
    assert digest["total_capacity"] == pytest.approx(1.1 * 3_000, abs=40)
    assert digest["pins"] == 30 and (digest["rho"], digest["seed"]) == (1.1, 3)


def test_real_rule_engine_finds_the_digested_classes_and_pairs(tiny: Path) -> None:
    """Eligibility and affinity come out of the scenario's own rule file (A_max 4100)."""
    digest = json.loads((tiny / "digest.json").read_text(encoding="utf-8"))
    problem = compile_scenario(load_scenario(tiny / "scenario.yaml"))
    classes = [k for k in problem.classes if k.members]
    assert len(classes) == digest["K"]
    assert sum(len(k.exact) for k in classes) == digest["class_pairs"]
    assert sum(len(k.members) * len(k.exact) for k in classes) == digest["raw_pairs"]
    assert len(problem.pins) == digest["pins"]
    scores = {e.score for k in classes for e in k.exact}
    weights = {a + b + c for a in (0, 3000) for b in (0, 800) for c in (0, 300)}
    assert max(scores) == 4100 and scores <= weights


def test_cores_units_and_unlimited_licences(tmp_path: Path) -> None:
    params = gen.Params("tiny-cores", 500, 200, 8, units="cores")
    folder = gen.generate(params, tmp_path).parent
    licences, rows = _read(folder / "licences.csv"), _read(folder / "consumptions.csv")
    assert {lic["type"] for lic in licences} == {"core"}
    assert {int(r["cores"]) for r in rows} <= {1, 2, 4, 8, 16, 32}
    assert sum(lic["unlimited"] == "true" for lic in licences) == 2  # 1 % of 200
    digest = json.loads((folder / "digest.json").read_text(encoding="utf-8"))
    assert digest["total_demand"] == sum(int(r["cores"]) for r in rows)
    assert "metric: core" in (folder / "scenario.yaml").read_text(encoding="utf-8")


# --- demo ----------------------------------------------------------------------------------


def test_demo_files_are_what_make_demo_writes() -> None:
    for name, text in demo.render().items():
        assert (DEMO / name).read_text(encoding="utf-8") == text, f"re-run {DEMO / 'make_demo.py'}"


def test_demo_composition_and_avoidable_deficit() -> None:
    scenario = load_scenario(DEMO / "demo.yaml")
    assert len(scenario.consumptions) >= 2_000 and len(scenario.licences) >= 40
    assert len(scenario.products) >= 8 and len(scenario.variants) >= 2
    assert {p.family for p in scenario.products} >= {"office"}
    types = {"CORE4", "CORE8", "PROCESSOR", "USER", "NAMEDUSER"}
    assert {lic.type for lic in scenario.licences} >= types
    assert any(lic.unlimited for lic in scenario.licences)
    assert sum(lic.status != "in_service" for lic in scenario.licences) >= 2
    held = [(c.product, c.user) for c in scenario.consumptions if c.user]
    assert len(held) > len(set(held))  # some users have the product on two devices (A18)
    for tree in (scenario.org.locations, scenario.org.departments):
        assert any(tree.get(tree.get(node) or "") for node in tree)  # three levels deep
    greedy, optimal = solve(scenario, "greedy"), solve(scenario, "optimal")
    assert optimal.objective.outstanding_units < greedy.objective.outstanding_units
