"""Compile's shared Edge objects (edges._shared_edges): numbered by one integer key, or
by a dictionary where the key would not fit an int64, every class gets exactly the edges
the per-pair reference path gives it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile import edges
from lcm_opt.compile.build import compile_scenario
from tests.conftest import SCENARIOS

FIXTURES = sorted(
    path
    for folder in ("examples", "suboptimal", "lcm", "demo")
    for path in (SCENARIOS / folder).glob("*.yaml")
)


@pytest.mark.parametrize("wide", [False, True], ids=["int-key", "dict"])
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_classes_match_the_reference(
    path: Path, wide: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(path)
    expected = compile_scenario(scenario, reference=True).classes
    if wide:
        monkeypatch.setattr(edges, "_pair_key", lambda *columns: None)
    assert compile_scenario(scenario).classes == expected


def test_the_key_gives_way_when_too_wide() -> None:
    one = np.array([0], dtype=np.int64)
    assert edges._pair_key(one, np.array([0]), one + 1, np.array([False])) is not None
    wide = np.array([-(2**40), 2**40], dtype=np.int64)
    lic = np.array([0, 10**6], dtype=np.int64)
    assert edges._pair_key(lic, wide, np.array([1, 2**10]), np.array([True, False])) is None
