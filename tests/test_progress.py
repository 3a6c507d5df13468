"""Progress on standard error: phases with counts and elapsed time on a terminal, nothing
when standard error is not a terminal or with --quiet, and never a changed result."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.progress import PROGRESS_ENV, TerminalProgress, make_reporter
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Edge
from lcm_opt.engines import parallel
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.errors import ScenarioError
from lcm_opt.progress import advance, phase, reporting
from lcm_opt.services.solve import allocate
from tests.conftest import SCENARIOS
from tests.support import solve_checked

runner = CliRunner()
DEMO = SCENARIOS / "demo" / "demo.yaml"
E23 = SCENARIOS / "suboptimal" / "E23.yaml"


class Recorder:
    """A Reporter keeping every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def begin(self, phase: str) -> None:
        self.calls.append(("begin", phase))

    def advance(self, what: str, done: int, total: int) -> None:
        self.calls.append(("advance", what, done, total))

    def end(self, phase: str, summary: str | None) -> None:
        self.calls.append(("end", phase, summary))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_terminal_reporter_draws_a_live_line_and_one_line_per_phase() -> None:
    out, clock = io.StringIO(), Clock()
    reporter = TerminalProgress(out, live=True, clock=clock, interval=0.1)
    with reporting(reporter), phase("solve (optimal)") as step:
        for done in range(1, 5):
            clock.now += 0.25
            advance("components", done, 4)
        step.summary = "optimal, 10 grants"
    clock.now += 0.5
    reporter.finish()
    text = out.getvalue()
    assert "\r\033[Ksolve (optimal) ... components 2/4 (0.5 s)" in text
    assert "\r\033[Ksolve (optimal) ... components 4/4 (1.0 s)" in text
    assert text.endswith("\r\033[Ksolve (optimal): optimal, 10 grants, 1.00 s\ndone in 1.50 s\n")


def test_without_a_terminal_only_finished_phases_are_written() -> None:
    out, clock = io.StringIO(), Clock()
    reporter = TerminalProgress(out, live=False, clock=clock)
    with reporting(reporter), phase("load") as step:
        advance("rows", 1, 2)
        clock.now += 2
        step.summary = "3 consumptions"
    assert out.getvalue() == "load: 3 consumptions, 2.00 s\n"


def test_a_failed_phase_is_ended_without_a_summary_and_inner_phases_are_silent() -> None:
    recorder = Recorder()
    with reporting(recorder), pytest.raises(ValueError), phase("outer"):
        with phase("inner") as inner:
            inner.summary = "never shown"
        raise ValueError
    assert recorder.calls == [("begin", "outer"), ("end", "outer", None)]


def test_nothing_is_reported_without_a_reporter() -> None:
    recorder = Recorder()
    with reporting(recorder), reporting(None):
        allocate(load_scenario(E23), "optimal")
    assert recorder.calls == []


def test_services_and_the_optimiser_report_phases_and_components() -> None:
    recorder = Recorder()
    scenario = load_scenario(DEMO)
    with reporting(recorder):
        problem, allocation = allocate(scenario, "optimal")
    begun = [call[1] for call in recorder.calls if call[0] == "begin"]
    assert begun == ["compile", "solve (optimal)"]
    ends = {call[1]: call[2] for call in recorder.calls if call[0] == "end"}
    pairs = sum(len(cls.edges) for cls in problem.classes)
    classes = len(problem.classes)
    assert ends["compile"] == f"{classes:,} consumption classes, {pairs:,} eligible pairs"
    assert ends["solve (optimal)"] == (
        f"optimal, {len(allocation.grants):,} grants, {len(allocation.deficits):,} deficits"
    )
    counts = [call[2:] for call in recorder.calls if call[:2] == ("advance", "components")]
    total = counts[-1][1]
    assert total > 1 and counts == [(done, total) for done in range(1, total + 1)]


def test_reporting_does_not_change_the_result() -> None:
    scenario = load_scenario(DEMO)
    quiet = solve_checked(scenario, "optimal")
    with reporting(Recorder()):
        reported = solve_checked(scenario, "optimal")
    assert reported.model_dump_json() == quiet.model_dump_json()


def _sub(n: int) -> SubProblem:
    edges = tuple(Edge(i, 0, 1, "", False) for i in range(n))
    return SubProblem(
        classes=(0,),
        count={0: 1},
        edges={0: edges},
        licences=tuple(range(n)),
        capacity=dict.fromkeys(range(n), 1),
        weight={0: 1},
        max_score=0,
    )


def test_the_pool_counts_components_in_this_process() -> None:
    recorder = Recorder()
    subs = [_sub(n) for n in (1, 5, 3, 5)]
    with reporting(recorder):
        solved = parallel.solve_all(subs, lambda s: len(s.edges[0]), 2, counted="CP-SAT")
    assert solved == [1, 5, 3, 5]
    assert recorder.calls == [("advance", "CP-SAT", done, 4) for done in range(1, 5)]


def test_reporter_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    live = make_reporter(False, Terminal())
    assert isinstance(live, TerminalProgress) and live.live
    assert make_reporter(True, Terminal()) is None
    assert make_reporter(False, io.StringIO()) is None
    monkeypatch.setenv(PROGRESS_ENV, "always")
    logged = make_reporter(False, io.StringIO())
    assert isinstance(logged, TerminalProgress) and not logged.live
    assert make_reporter(True, io.StringIO()) is None
    monkeypatch.setenv(PROGRESS_ENV, "never")
    assert make_reporter(False, Terminal()) is None
    monkeypatch.setenv(PROGRESS_ENV, "sometimes")
    with pytest.raises(ScenarioError, match="must be one of auto, always, never"):
        make_reporter(False, Terminal())


def _cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_solve_reports_every_phase_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    code, silent_out, silent_err = _cli("solve", str(E23), "--engine", "optimal")
    assert code == 0 and silent_err == "", "progress on a stream that is not a terminal"
    monkeypatch.setenv(PROGRESS_ENV, "always")
    code, out, err = _cli("solve", str(E23), "--engine", "optimal")
    assert code == 0 and out == silent_out
    scenario = load_scenario(E23)
    problem = compile_scenario(scenario)
    lines = err.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "load", "compile", "solve (optimal)", "write",
    ]  # fmt: skip
    assert lines[0].startswith(
        f"load: {len(scenario.consumptions)} consumptions, {len(scenario.licences)} licences, "
        f"{len(scenario.products)} products, "
    )
    assert lines[1].startswith(f"compile: {len(problem.classes)} consumption classes")
    assert lines[-1].startswith("done in ") and lines[-1].endswith(" s")
    code, out, err = _cli("solve", str(E23), "--engine", "optimal", "--quiet")
    assert code == 0 and err == "" and out == silent_out
    code, _, err = _cli("validate", str(E23), "-q")
    assert code == 0 and err == ""


def test_cli_progress_for_compare_whatif_and_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROGRESS_ENV, "always")
    _, _, err = _cli("compare", str(E23))
    assert [line.split(":")[0] for line in err.splitlines()][:4] == [
        "load", "compile", "solve (greedy)", "solve (optimal)",
    ]  # fmt: skip
    _, _, err = _cli("whatif", str(SCENARIOS / "whatif" / "demo-variants.yaml"), "--variant",
                     "visio-true-up")  # fmt: skip
    assert "baseline (optimal): 9 blocks" in err and "variants: 1 variants" in err
    result = tmp_path / "r.json"
    _cli("solve", str(E23), "--format", "json", "-o", str(result), "-q")
    code, _, err = _cli("check", str(E23), str(result))
    assert code == 0 and "check: 0 violations" in err
    monkeypatch.setenv(PROGRESS_ENV, "loud")
    code, _, err = _cli("solve", str(E23))
    assert code == 2 and "LCM_OPT_PROGRESS: must be one of auto, always, never" in err

