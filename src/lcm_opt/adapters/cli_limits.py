"""The HTTP API's work limits, for the command line when asked: `--max-consumptions`,
`--max-pairs`, `--max-variants` refuse a scenario over them before compiling (exit 2, naming
the limit and the figure), and `--deadline` stops the whole command after that many seconds
of wall time (exit 4; an output file may then be incomplete). Without them a command is
unbounded, as before: a local file is the user's own."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from lcm_opt.adapters.cli_common import fail

if TYPE_CHECKING:
    from lcm_opt.domain import Scenario

DEADLINE_EXIT = 4

MaxConsumptionsOpt = Annotated[
    int | None,
    typer.Option("--max-consumptions", min=1, help="Refuse more consumptions than this."),
]
MaxPairsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-pairs",
        min=1,
        help="Refuse a scenario whose eligible class-licence pairs (an upper bound estimated "
        "before compiling) exceed this.",
    ),
]
MaxVariantsOpt = Annotated[
    int | None, typer.Option("--max-variants", min=0, help="Refuse more what-if variants.")
]
DeadlineOpt = Annotated[
    float | None,
    typer.Option(
        "--deadline",
        min=0.001,
        help="Stop after this many seconds of wall time (exit 4).",
    ),
]


@dataclass(frozen=True)
class CliLimits:
    max_consumptions: int | None = None
    max_pairs: int | None = None
    max_variants: int | None = None
    deadline_s: float | None = None

    def check(self, *scenarios: Scenario, variants: int = 0) -> None:
        """Exit 2 when the scenarios (a base and its variants) are over a limit."""
        if self.max_consumptions is None and self.max_pairs is None and self.max_variants is None:
            return  # nothing to estimate: the estimator is not even imported
        from lcm_opt.services.estimate import WorkLimitExceeded, WorkLimits, check_scenarios

        limits = WorkLimits(self.max_consumptions, self.max_pairs, self.max_variants)
        try:
            check_scenarios(list(scenarios), variants, limits)
        except WorkLimitExceeded as error:
            fail(str(error), 2)

    @contextmanager
    def deadline(self) -> Iterator[None]:
        """The block, stopped at the deadline: exit 4. Checked whenever Python runs, so a
        single CP-SAT phase ends at its own time limit first."""
        seconds = self.deadline_s
        if seconds is None:
            yield
            return
        from lcm_opt.services.estimate import DeadlineExceeded

        def expire(signum: int, frame: FrameType | None) -> None:
            raise DeadlineExceeded(seconds)

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        except DeadlineExceeded as error:
            fail(f"deadline: {error}", DEADLINE_EXIT)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
