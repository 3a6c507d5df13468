"""`solve --explain` with the documented engine and the explanations in forked processes:
the same explanations and the same bytes as computing everything in one process."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.result_stream import explained_rest
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.errors import EngineError
from lcm_opt.services.explain import explain_scenario
from lcm_opt.services.explain.base import base_of
from lcm_opt.services.explain.chains_multi import _Room
from lcm_opt.services.explain.deferred import deferred
from lcm_opt.services.explain.forked import Forked
from lcm_opt.services.explain.holdings import Documented, Holdings
from lcm_opt.services.solve import compiled
from tests.conftest import SCENARIOS

runner = CliRunner()
CASES = ["suboptimal/E23", "suboptimal/E24", "suboptimal/E26", "lcm/LE2", "demo/demo"]


def scenario_path(name: str) -> Path:
    return SCENARIOS / f"{name}.yaml"


# Forking needs a single-threaded process: earlier tests in the same session may leave
# threads behind (the API's), so the forked paths run in a fresh interpreter.
FORKED = """
import sys
from functools import partial
from pathlib import Path
from typer.testing import CliRunner
from lcm_opt.adapters.cli import app
from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.result_stream import explained_rest
from lcm_opt.services.explain import deferred as module
from lcm_opt.services.explain import explain_scenario

root, out = Path(sys.argv[1]), Path(sys.argv[2])
for name in sys.argv[3:]:
    scenario = load_scenario(root / f"{name}.yaml")
    expected = explain_scenario(scenario)
    for fmt in (Format.JSON, Format.TABLE):
        render = partial(explained_rest, fmt)
        with module.deferred(scenario, "optimal", render, fork=True) as done:
            assert done.forked, name
            assert done.allocation.grants == expected.optimal.grants, name
            assert done.allocation.deficits == expected.optimal.deficits, name
            text = done.rest()
            assert text == render(expected.problem, expected.optimal, expected.explanations)
            assert done.rest() is text  # read once
texts = []
module.spare_core = lambda: True  # whatever the machine's load
for smallest in (10**9, 0):  # never forked, always forked
    module.FORK_MIN_CONSUMPTIONS = smallest
    for fmt in ("json", "table"):
        path = out / f"{smallest}.{fmt}"
        args = ["solve", str(root / "suboptimal/E23.yaml"), "--engine", "optimal", "--explain"]
        result = CliRunner().invoke(app, [*args, "--format", fmt, "-o", str(path)])
        assert result.exit_code == 0, result.output
        texts.append(path.read_text(encoding="utf-8"))
assert texts[:2] == texts[2:]
assert '"explanations"' in texts[0] and "wrong turns" in texts[1]
print("forked", len(sys.argv) - 3)
"""


def test_forked_explanations_are_the_same_bytes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FORKED, str(SCENARIOS), str(tmp_path), *CASES],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"forked {len(CASES)}"


def test_serial_when_asked_or_for_the_documented_engine() -> None:
    scenario = load_scenario(scenario_path("suboptimal/E23"))
    expected = explain_scenario(scenario)
    render = partial(explained_rest, Format.JSON)
    for engine, fork in (("optimal", False), ("greedy", True)):
        with deferred(scenario, engine, render, fork=fork) as done:
            assert not done.forked
            allocation = expected.optimal if engine == "optimal" else expected.greedy
            assert done.allocation.grants == allocation.grants
            assert done.rest() == render(expected.problem, allocation, expected.explanations)


def test_columns_round_trip() -> None:
    problem = compiled(load_scenario(scenario_path("suboptimal/E24")))
    n = len(problem.consumption_ids)
    sent = Documented.of(n, GreedyEngine().solve(problem))
    got = Documented.from_columns(n, [c.copy() for c in sent.columns()])
    for a, b in zip(sent.columns(), got.columns(), strict=True):
        assert np.array_equal(a, b)
    for name in ("licence", "first", "count"):
        assert np.array_equal(getattr(sent.held, name), getattr(got.held, name))
    covered = int(np.flatnonzero(sent.held.count)[0])
    assert got.held.units_of(covered) == sent.held.units_of(covered) > 0


def test_result_read_by_a_later_process() -> None:
    with Forked(lambda: [1, 2, 3]) as first:
        with Forked(lambda: sum(first.receive())) as second:
            first.release()
            assert second.receive() == 6
        with pytest.raises(EngineError, match="read elsewhere"):
            first.receive()


def test_unread_process_is_ended() -> None:
    with Forked(lambda: os.getpid()) as running:
        pid = running._pid
        assert pid is not None and pid != os.getpid()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind


def test_failure_in_the_process_is_raised_here() -> None:
    def broken() -> int:
        raise EngineError("documented engine broke")

    with Forked(broken) as running, pytest.raises(EngineError, match="broke"):
        running.receive()


def test_room_sums_caps_per_grant_with_pins() -> None:
    # a Track Deployment estate; every other grant counted as a pin
    problem = compiled(load_scenario(scenario_path("lcm/LE2")))
    greedy = GreedyEngine().solve(problem)
    base = base_of(problem, OptimalEngine().solve(problem, greedy))
    assert base.caps
    n = len(problem.consumption_ids)
    held = Holdings.of(n, greedy, units=True)
    assert held.direct is not None
    held.direct[::2] = True
    room = _Room(base, held)
    product = [problem.class_of(c).product for c in range(n)]
    drawn: dict[tuple[int, int], int] = {}
    caps0 = dict(base.caps)
    for g, pinned in zip(greedy.grants, held.direct.tolist(), strict=True):
        key = (g.licence, product[g.consumption])
        drawn[key] = drawn.get(key, 0) + g.units
        if pinned and key in caps0:
            caps0[key] += g.units
    assert room.drawn == drawn
    assert room.caps0 == caps0 != base.caps
