"""The MILP's module settings (milp.py, milp_run.py, milp_affinity.py, milp_dive.py), which
benchmarks/aon.py and the tests change: each lives in one module, which every other reads
at call time, so a change there takes effect on every path."""

from __future__ import annotations

import random
import re
from pathlib import Path
from types import ModuleType

import pytest

from lcm_opt.engines import (
    milp,
    milp_affinity,
    milp_columns,
    milp_dive,
    milp_joint,
    milp_kinds,
    milp_kinds_weighted,
    milp_run,
    milp_ties,
)
from tests.test_cpsat import LIMIT
from tests.test_cuts import per_core_sub
from tests.test_milp_dive import _unproven_at_the_start

ROOT = Path(__file__).resolve().parents[1]
MODULES: tuple[ModuleType, ...] = (
    milp, milp_affinity, milp_columns, milp_dive, milp_joint, milp_kinds, milp_kinds_weighted,
    milp_run, milp_ties,
)  # fmt: skip


def _set_anywhere() -> set[str]:
    """The upper-case names the tests and benchmarks assign or monkeypatch on a module."""
    names: set[str] = set()
    for path in [*(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'setattr\(\w+, "([A-Z][A-Z_]*)"', text))
        names |= set(re.findall(r"\b\w+\.([A-Z][A-Z_]*)(?:, \w+\.[A-Z_]+)* =[^=]", text))
    return names


def test_each_setting_has_one_home() -> None:
    """A setting imported by value into a second module would keep its old value there
    when a benchmark or test changes it on the first."""
    names = _set_anywhere() & {n for m in MODULES for n in vars(m)}
    assert {"COLUMNS", "CUTS", "DIVE", "GUARD", "JOINT", "KINDS", "TUNING"} <= names
    homes = {n: [m.__name__ for m in MODULES if hasattr(m, n)] for n in sorted(names)}
    assert {n: where for n, where in homes.items() if len(where) > 1} == {}
    assert homes["COLUMNS"] == ["lcm_opt.engines.milp_run"]
    assert homes["DIVE"] == ["lcm_opt.engines.milp_dive"]


def test_the_benchmarks_settings_exist_where_it_sets_them() -> None:
    """benchmarks/aon.py assigns settings by module (`milp_run.GUARD = ...`): an
    assignment to a name the module does not have would change nothing."""
    text = (ROOT / "benchmarks" / "aon.py").read_text(encoding="utf-8")
    modules = {"milp": milp, "milp_run": milp_run, "milp_ties": milp_ties}
    named = set(re.findall(r"\b(milp(?:_run|_ties)?)\.([A-Z][A-Z_]*)\b", text))
    assert len(named) >= 8
    assert [f"{m}.{n}" for m, n in sorted(named) if not hasattr(modules[m], n)] == []


def test_the_affinity_stage_reads_the_heuristic_switch_at_call_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """milp_dive.DIVE, set on its own module, turns the heuristic off in the affinity
    stage (milp_affinity.py) of every component that reaches it."""
    _unproven_at_the_start(monkeypatch)
    calls: list[int] = []
    improve = milp_dive.improve

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return improve(*args, **kwargs)

    monkeypatch.setattr(milp_dive, "improve", counted)
    sub = per_core_sub(random.Random(201))
    assert milp.solve_milp(sub, time_limit_s=LIMIT, seed=0) is not None
    assert calls
    calls.clear()
    monkeypatch.setattr(milp_dive, "DIVE", False)
    assert milp.solve_milp(sub, time_limit_s=LIMIT, seed=0) is not None
    assert calls == []


def test_the_node_limit_the_stages_read_is_milp_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """milp_run.NODES_PER_SECOND sets every run's node limit, the affinity stage's too."""
    limits: list[int] = []
    run = milp_run.run

    def recorded(h, *args):  # type: ignore[no-untyped-def]
        out = run(h, *args)
        limits.append(h.getOptionValue("mip_max_nodes")[1])
        return out

    _unproven_at_the_start(monkeypatch)
    monkeypatch.setattr(milp_run, "run", recorded)
    monkeypatch.setattr(milp_run, "NODES_PER_SECOND", 7)
    sub = per_core_sub(random.Random(202))
    assert milp.solve_milp(sub, time_limit_s=LIMIT, seed=0) is not None
    assert limits and max(limits) <= max(int(7 * LIMIT), 1)
