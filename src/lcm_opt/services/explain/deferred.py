"""A solve whose explanations are computed only once its records are out: the documented
engine's run the chains need goes alongside the optimiser (alongside.py) and the record
writing, so on a large estate `solve --explain` costs little more than `solve`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Scenario
from lcm_opt.domain.explain import Explanations
from lcm_opt.engines.base import Allocation
from lcm_opt.progress import phase
from lcm_opt.services.explain.alongside import Alongside
from lcm_opt.services.explain.build import explain, explained
from lcm_opt.services.solve import allocated, compiled


@dataclass(frozen=True)
class Deferred:
    problem: Problem
    allocation: Allocation  # the asked engine's
    explanations: Callable[[], Explanations]  # computed on the first call, then kept
    forked: bool  # the documented engine runs in another process


@contextmanager
def deferred(scenario: Scenario, engine: str, fork: bool | None = None) -> Iterator[Deferred]:
    """`engine`'s allocation, its explanations when asked for. `fork`: None decides by
    size (alongside.py); the explanations are the same either way."""
    problem = compiled(scenario)
    with Alongside(problem, fork if engine == "optimal" else False) as documented:
        if not documented.forked:
            done = explained(problem)
            allocation = done.optimal if engine == "optimal" else done.greedy
            yield Deferred(problem, allocation, lambda: done.explanations, forked=False)
            return
        optimal = allocated(problem, "optimal")
        kept: list[Explanations] = []

        def explanations() -> Explanations:
            if not kept:
                with phase("explain") as step:
                    kept.append(explain(problem, optimal, documented.result()))
                    step.summary = f"{len(kept[0].certificates):,} certificates"
            return kept[0]

        yield Deferred(problem, optimal, explanations, forked=True)
