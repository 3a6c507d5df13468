"""Components solved in a fork pool, largest first, merge the same way as a
serial solve: byte-identical results, flow (installs, solved in this process) and CP-SAT
(cores, in the pool) alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
from lcm_opt.compile.build import compile_scenario
from lcm_opt.engines import optimal, parallel
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.services.checker import check_result
from tests.test_generators import gen


def _solve(path: Path) -> str:
    scenario = load_scenario(path)
    result = assemble(problem := compile_scenario(scenario), OptimalEngine().solve(problem))
    assert not check_result(scenario, result)
    return to_json(result)


@pytest.mark.parametrize("units", ["installs", "cores"])
def test_pool_gives_the_serial_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, units: str
) -> None:
    params = gen.Params("multi", 1_500, 24, 4, units=units, classes_per_product=30)
    path = gen.generate(params, tmp_path, seed=5, rho=1.0)
    monkeypatch.setattr(optimal, "workers_for", lambda subs: 1)
    serial = _solve(path)

    used: list[int] = []
    real_solve_all = parallel.solve_all

    def spy(
        subs: Sequence[SubProblem],
        solve: Callable[[SubProblem], object],
        workers: int,
        **options: str,
    ) -> list[object]:
        used.append(workers)
        return real_solve_all(subs, solve, workers, **options)

    monkeypatch.setattr(optimal, "workers_for", parallel.workers_for)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_EDGES", 0)
    monkeypatch.setattr(parallel, "_forkable", lambda: True)  # other tests leave threads
    monkeypatch.setattr(optimal, "solve_all", spy)
    pooled = _solve(path)
    if units == "cores":
        assert max(used) > 1, "the pool was not used"
    else:  # flows are solved in this process: a fork costs more than they do
        assert used and max(used) == 1
    assert pooled == serial


def test_results_come_back_in_component_order() -> None:
    """Largest first is only the dispatch order: results line up with the input."""
    subs = [_sub(n) for n in (1, 5, 3, 5)]
    assert parallel.solve_all(subs, lambda s: len(s.edges[0]), 2) == [1, 5, 3, 5]


def test_small_problems_stay_serial() -> None:
    assert parallel.workers_for([_sub(3), _sub(4)]) == 1


def _sub(n: int) -> SubProblem:
    from lcm_opt.compile.problem import Edge

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


def test_processes_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """LCM_OPT_PROCESSES bounds the pool; 1 keeps the solve serial; anything else is a
    clear error, not a traceback."""
    from lcm_opt.errors import EngineError

    monkeypatch.setattr(parallel, "PARALLEL_MIN_EDGES", 0)
    monkeypatch.setattr(parallel, "_forkable", lambda: True)
    subs = [_sub(3), _sub(4), _sub(5)]
    monkeypatch.setenv(parallel.PROCESSES_ENV, "1")
    assert parallel.workers_for(subs) == 1
    monkeypatch.setenv(parallel.PROCESSES_ENV, "2")
    assert parallel.workers_for(subs) == 2
    monkeypatch.setenv(parallel.PROCESSES_ENV, "two")
    with pytest.raises(EngineError, match="LCM_OPT_PROCESSES must be a positive integer"):
        parallel.workers_for(subs)
