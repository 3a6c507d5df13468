"""The command line as people expect one: --version, help without bogus value placeholders,
tables that say what their figures are, notes spelled as the scenario file spells values."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import lcm_opt
from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.services.overview import overview
from tests.conftest import SCENARIOS
from tests.support import solve_checked

runner = CliRunner()
DEMO = SCENARIOS / "demo" / "demo.yaml"
E23 = SCENARIOS / "suboptimal" / "E23.yaml"


def _cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = _cli("--version")
    assert code == 0 and out == f"lcm-opt {lcm_opt.__version__}\n"


def test_help_lists_flags_without_a_value() -> None:
    code, out, _ = _cli("--help")
    assert code == 0 and "--version" in out and "solve" in out and "<bool>" not in out
    for command in ("solve", "compare", "whatif", "overview", "validate", "check"):
        code, out, _ = _cli(command, "--help")
        assert code == 0, command
        assert "<bool>" not in out, command
        assert "-q, --quiet" in out, command
        assert "--help" in out, command


def test_compare_table_names_the_optimiser_and_its_status() -> None:
    code, out, _ = _cli("compare", str(E23))
    assert code == 0
    assert "Optimal (optimal)" not in out
    assert "Optimiser" in out and "(proven optimal)" in out


def test_whatif_notes_spell_values_as_a_scenario_file() -> None:
    variants = SCENARIOS / "whatif" / "demo-variants.yaml"
    code, out, _ = _cli("whatif", str(variants), "--variant", "unscope-acrobat-uk",
                        "--variant", "visio-true-up", "--format", "json")  # fmt: skip
    assert code == 0
    notes = {v["name"]: v["changes"] for v in json.loads(out)["variants"]}
    assert notes["unscope-acrobat-uk"] == ["changes[0] (set): licence L-ACR-UK: location = null"]
    assert notes["visio-true-up"] == ["changes[0] (set): licence L-VIS-POOL: seats = 60"]
    assert "None" not in out


def test_overview_explains_per_contract_uncovered() -> None:
    """The note's claim holds: per contract, Uncovered counts demand other licences cover,
    so it is never below the product's outstanding units in the solve."""
    code, out, _ = _cli("overview", str(DEMO))
    assert code == 0
    assert "Per contract, Deployed is a product's whole demand" in out
    scenario = load_scenario(DEMO)
    outstanding = {p.product: p.outstanding for p in solve_checked(scenario, "greedy").products}
    rows = [p for c in overview(scenario, "greedy").overview.contracts for p in c.products]
    assert rows
    assert all(p.uncovered is not None and p.uncovered >= outstanding[p.product] for p in rows)
    assert any(p.uncovered is not None and p.uncovered > outstanding[p.product] for p in rows)
