"""A batch of estates: every scenario file of some folders solved, each result written as
`solve --format json` writes it, one file per scenario.

Each scenario is loaded here, so a bad file is reported exactly as `solve` reports it and
the others still run. With a cluster address set (engines/cluster.py) each loaded estate
is one task, compiled, solved and written on a worker; otherwise the estates are solved one
after another in this process. A result's bytes are the same either way."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Result, Scenario, natural_key
from lcm_opt.engines import cluster
from lcm_opt.engines.assemble import objective_values
from lcm_opt.errors import EngineError, ScenarioError
from lcm_opt.progress import advance
from lcm_opt.services.checker import load_result
from lcm_opt.services.solve import ENGINES
from lcm_opt.services.solve import solve as solve_scenario

SUFFIXES = (".yaml", ".yml", ".json")
RESULT_SUFFIX = ".result.json"
"""A result is written as NAME.result.json; such files are never taken as scenarios."""

INPUT_ERROR, ENGINE_ERROR = 2, 3


@dataclass(frozen=True)
class Estate:
    source: Path  # the scenario file
    output: Path  # where its result goes


@dataclass(frozen=True)
class Job:
    """What one task receives: the loaded scenario, never its file."""

    scenario: Scenario
    engine: str
    previous: Result | None


@dataclass(frozen=True)
class Outcome:
    estate: Estate
    status: str  # the result's status, or "error"
    outstanding: int | None = None  # outstanding units
    uncovered: int | None = None
    grants: int | None = None
    error: str | None = None  # names the file
    code: int = 0  # 0, INPUT_ERROR or ENGINE_ERROR


@dataclass(frozen=True)
class Solved:
    """A task's answer: the result JSON and the figures of the summary table."""

    text: str
    status: str
    outstanding: int
    uncovered: int
    grants: int


def estates(inputs: Sequence[Path], output_dir: Path | None) -> list[Estate]:
    """Every scenario file of `inputs` (folders, not recursively, or files), each folder's
    in natural name order; ScenarioError for a missing input, a folder without scenario
    files, or two scenarios that would write the same result file."""
    found: list[Estate] = []
    for path in inputs:
        if path.is_dir():
            files = sorted(
                (p for p in path.iterdir() if _is_scenario(p)), key=lambda p: natural_key(p.name)
            )
            if not files:
                raise ScenarioError("no scenario files (.yaml, .yml, .json)", where=str(path))
        elif path.is_file():
            files = [path]
        else:
            raise ScenarioError("no such folder or file", where=str(path))
        for file in files:
            name = file.name.rsplit(".", 1)[0] + RESULT_SUFFIX
            found.append(Estate(file, (output_dir or file.parent) / name))
    seen: dict[Path, Path] = {}
    for estate in found:
        other = seen.setdefault(estate.output.resolve(), estate.source)
        if other != estate.source:
            raise ScenarioError(
                f"{other} and {estate.source} would both write {estate.output}",
                where=str(estate.source),
            )
    return found


def _is_scenario(path: Path) -> bool:
    return path.is_file() and path.suffix in SUFFIXES and not path.name.endswith(RESULT_SUFFIX)


def solve_job(job: Job) -> Solved:
    """One estate, exactly as `lcm-opt solve --format json` computes and writes it; runs in
    this process or on a worker."""
    if job.previous is not None:
        result = solve_scenario(job.scenario, job.engine, job.previous)
        o = result.objective
        return Solved(to_json(result), result.status.value, o.outstanding_units,
                      o.uncovered, len(result.grants))  # fmt: skip
    problem = compile_scenario(job.scenario)
    allocation = ENGINES[job.engine]().solve(problem)
    handle = io.StringIO()
    write_result(problem, allocation, Format.JSON, handle)
    o = objective_values(problem, allocation)
    return Solved(handle.getvalue(), allocation.status.value, o.outstanding_units,
                  o.uncovered, len(allocation.grants))  # fmt: skip


def run_batch(found: Sequence[Estate], engine: str) -> list[Outcome]:
    """Solves every estate, writes each result, and returns one outcome per estate in
    `found` order. A bad scenario or a failed solve is that estate's outcome; a cluster
    that fails stops the batch (ClusterError)."""
    outcomes: dict[int, Outcome] = {}
    jobs: list[tuple[int, Job]] = []
    for i, job in enumerate(_loaded(found, engine)):
        if isinstance(job, Outcome):
            outcomes[i] = job
        else:
            jobs.append((i, job))
    if cluster.address() is None:
        for n, (i, job) in enumerate(jobs, start=1):
            outcomes[i] = _write(found[i], _attempt(job))
            advance("estates", n, len(jobs))
    else:
        answers = cluster.run_all(_attempt, [job for _, job in jobs], "estates")
        for (i, _), answer in zip(jobs, answers, strict=True):
            outcomes[i] = _write(found[i], answer)
    return [outcomes[i] for i in range(len(found))]


def _loaded(found: Sequence[Estate], engine: str) -> Iterator[Job | Outcome]:
    for estate in found:
        try:
            scenario = load_scenario(estate.source)
            path = scenario.previous_allocation
            previous = load_result(path) if path else None
        except ScenarioError as error:
            yield Outcome(estate, "error", error=error.render(), code=INPUT_ERROR)
            continue
        yield Job(scenario, engine, previous)


def _attempt(job: Job) -> Solved | tuple[str, int]:
    """The solved estate, or its error message and exit code."""
    try:
        return solve_job(job)
    except ScenarioError as error:
        return error.render(), INPUT_ERROR
    except EngineError as error:
        return str(error), ENGINE_ERROR


def _write(estate: Estate, answer: Solved | tuple[str, int]) -> Outcome:
    if isinstance(answer, tuple):
        message, code = answer
        return Outcome(estate, "error", error=f"{estate.source}: {message}", code=code)
    try:
        estate.output.parent.mkdir(parents=True, exist_ok=True)
        estate.output.write_text(answer.text, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = f"{estate.output}: cannot write the result file: {reason}"
        return Outcome(estate, "error", error=message, code=INPUT_ERROR)
    return Outcome(estate, answer.status, answer.outstanding, answer.uncovered, answer.grants)
