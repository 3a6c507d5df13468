"""`solve --explain` on a large estate at little more than the cost of `solve`.

The explanations follow the records in every output format, and the chains need the
documented engine's allocation beside the optimum's: two more solves' worth of work that
need not wait for each other. So, where a fork pays and is safe (forked.py), one process
runs the documented engine while this one runs the optimiser; a second, forked once the
optimum is known, reads the documented engine's allocation (a few arrays, holdings.py),
explains and renders the text that follows the records, while this one writes them (only
while the machine has a core to spare: on a busy one the forks add CPU time and gain no
wall clock). Both engines are deterministic and the text is rendered by the same function,
so the output is the same bytes as when everything runs here, as it does on small estates,
for the documented engine's own result, and wherever forking is not safe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Scenario
from lcm_opt.domain.explain import Explanations
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.services.explain.build import explain, explained
from lcm_opt.services.explain.forked import Forked, can_fork, spare_core
from lcm_opt.services.explain.holdings import Documented
from lcm_opt.services.solve import allocated, compiled

FORK_MIN_CONSUMPTIONS = 50_000
"""Below this many consumptions the explanations take less than the forks cost."""

Render = Callable[[Problem, Allocation, Explanations], str]
"""The text that follows the records, from the allocation written and its explanations."""


@dataclass(frozen=True)
class Deferred:
    problem: Problem
    allocation: Allocation  # the asked engine's
    rest: Callable[[], str]  # the rendered explanations, ready once the records are out
    forked: bool  # the documented engine and the explanations run in other processes


@contextmanager
def deferred(
    scenario: Scenario, engine: str, render: Render, fork: bool | None = None
) -> Iterator[Deferred]:
    """`engine`'s allocation, and `render` of its explanations when asked for. `fork`: None
    decides by size and load; the text is the same either way."""
    problem = compiled(scenario)
    if fork is None:
        fork = len(problem.consumption_ids) >= FORK_MIN_CONSUMPTIONS and spare_core()
    if engine != "optimal" or not fork or not can_fork():
        done = explained(problem)
        allocation = done.optimal if engine == "optimal" else done.greedy
        yield Deferred(
            problem, allocation, lambda: render(problem, allocation, done.explanations), False
        )
        return
    n = len(problem.consumption_ids)
    with ExitStack() as stack:
        greedy = stack.enter_context(Forked(lambda: _documented(problem)))
        optimal = allocated(problem, "optimal")

        def documented() -> Documented:
            return Documented.from_columns(n, greedy.receive())

        def rest() -> str:  # what the optimum alone explains first, while greedy runs
            return render(problem, optimal, explain(problem, optimal, documented))

        text = stack.enter_context(Forked(rest))
        greedy.release()  # read by the second process
        yield Deferred(problem, optimal, text.receive, True)


def _documented(problem: Problem) -> list[npt.NDArray[np.generic]]:
    allocation = GreedyEngine().solve(problem)
    return Documented.of(len(problem.consumption_ids), allocation).columns()
