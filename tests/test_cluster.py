"""A real Dask cluster (a scheduler and two worker processes on this machine) solves the
components of an estate, a ten-variant what-if sweep, a batch of estates and the HTTP API's
queued runs: every result byte-identical to the in-process run, which the independent
checker verifies. An unreachable cluster is an engine error (exit 3) with its reason, never
a traceback."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
from lcm_opt.adapters.variants import run_whatif
from lcm_opt.domain import Result, Scenario, Variant
from lcm_opt.engines import cluster
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from tests.conftest import SCENARIOS
from tests.support import without_timings
from tests.test_generators import gen

runner = CliRunner()


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        scheduler_port=0,
        host="127.0.0.1",
    ) as local:
        yield local.scheduler_address


def _tasks_run(address: str) -> int:
    """How many tasks the cluster's workers have finished so far."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        counts: dict[str, int] = client.run(
            lambda dask_worker: dask_worker.state.transition_counter
        )
    return sum(counts.values())


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Medium estates of several components: flow (installs) and all-or-nothing (cores)."""
    root = tmp_path_factory.mktemp("estates")
    return {
        units: gen.generate(
            gen.Params("medium", 2_400, 36, 6, units=units, classes_per_product=30),
            root / units,
            seed=11,
            rho=0.9,
        )
        for units in ("installs", "cores")
    }


@pytest.fixture(scope="module")
def sweep_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smaller estate of six components for the sweep (eleven solves and checks)."""
    params = gen.Params("sweep", 900, 36, 6, classes_per_product=20)
    return gen.generate(params, tmp_path_factory.mktemp("sweep"), seed=3, rho=0.9)


@pytest.mark.parametrize("units", ["installs", "cores"])
def test_components_on_the_cluster_give_the_in_process_bytes(
    address: str, estates: dict[str, Path], units: str
) -> None:
    scenario = load_scenario(estates[units])
    local = solve(scenario, "optimal")
    assert not check_result(scenario, local)
    before = _tasks_run(address)
    with cluster.using(address):
        shipped = solve(scenario, "optimal")
    assert _tasks_run(address) - before >= 6, "the components were not solved on the cluster"
    assert to_json(shipped) == to_json(local)


def _sweep(base: Scenario) -> Scenario:
    """Ten variants touching one, several or every block, the stable optimiser included."""
    licences = [lic.id for lic in base.licences if not lic.unlimited]
    products = [p.id for p in base.products]
    rows = [{"id": f"new-{i}", "product": products[i % 3]} for i in range(40)]
    changes: list[list[dict[str, Any]]] = [
        [{"op": "set", "licence": licences[0], "field": "seats", "value": 500}],
        [{"op": "set", "licence": licences[7], "field": "seats", "value": 0}],
        [{"op": "remove_licence", "id": licences[12]}],
        [{"op": "add_consumptions", "consumptions": rows}],
        [{"op": "remove_consumptions", "where": {"product": products[1]}}],
        [{"op": "set_setting", "field": "objective", "value": "count"}],
        [{"op": "set_setting", "field": "stability", "value": "prefer"}],
        [
            {"op": "set", "licence": licences[20], "field": "seats", "value": 3},
            {"op": "set", "licence": licences[30], "field": "seats", "value": 90},
        ],
        [{"op": "set", "licence": licences[0], "field": "seats", "value": 500}],  # a repeat
        [{"op": "remove_licence", "id": licences[-1]}],
    ]
    variants = tuple(
        Variant.model_validate({"name": f"v{i}", "changes": c}) for i, c in enumerate(changes)
    )
    return base.model_copy(update={"variants": variants})


def test_a_ten_variant_sweep_on_the_cluster_gives_the_in_process_report(
    address: str, sweep_base: Path
) -> None:
    base = _sweep(load_scenario(sweep_base))
    folder = sweep_base.parent
    local = run_whatif(base, None, "optimal", base_dir=folder)
    assert len(local.variants) == 10
    assert any(v.blocks_reused for v in local.variants), "no variant reuses a block"
    for variant, applied in zip(local.variants, _applied(base, folder), strict=True):
        assert variant.result is not None
        assert not check_result(applied, variant.result), variant.name
    before = _tasks_run(address)
    with cluster.using(address):
        shipped = run_whatif(base, None, "optimal", base_dir=folder)
    assert _tasks_run(address) - before >= 10, "the variants were not solved on the cluster"
    assert without_timings(shipped) == without_timings(local)
    for mine, theirs in zip(shipped.variants, local.variants, strict=True):
        assert mine.result is not None and theirs.result is not None
        assert to_json(mine.result) == to_json(theirs.result)


def _applied(base: Scenario, folder: Path) -> list[Scenario]:
    from lcm_opt.adapters.variants.apply import apply_variant

    return [apply_variant(base, v, base_dir=folder).scenario for v in base.variants]


@pytest.fixture()
def batch_dir(tmp_path: Path, estates: dict[str, Path]) -> Path:
    """Two example scenarios, the medium estate's scenario and its files, one bad file."""
    folder = tmp_path / "estates"
    shutil.copytree(estates["installs"].parent, folder)
    (folder / "digest.json").unlink()  # the generator's notes: JSON, but no scenario
    for name in ("E01.yaml", "E15.yaml"):
        shutil.copy(SCENARIOS / "examples" / name, folder / name)
    return folder


def _solved_alone(scenario: Path, engine: str = "optimal") -> str:
    out = scenario.parent / "alone.json"
    args = ["solve", str(scenario), "--engine", engine, "--format", "json", "-o", str(out)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    out.unlink()
    return text


def test_batch_in_process_and_on_the_cluster_write_what_solve_writes(
    address: str, batch_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # short relative paths: summary rows on one line each
    names = ["E01", "E15", "scenario"]
    expected = {name: _solved_alone(batch_dir / f"{name}.yaml") for name in names}
    for name in names:
        scenario = load_scenario(batch_dir / f"{name}.yaml")
        assert not check_result(scenario, _result(expected[name])), name
    (batch_dir / "broken.yaml").write_text("name: broken\nlicences: 7\n", encoding="utf-8")

    here = runner.invoke(app, ["batch", "estates", "-q"])
    assert here.exit_code == 2, here.output
    assert "broken.yaml" in here.output and "3 of 4 scenarios solved" in here.output
    for name in names:
        assert (batch_dir / f"{name}.result.json").read_text(encoding="utf-8") == expected[name]

    out = tmp_path / "results"
    before = _tasks_run(address)
    there = runner.invoke(app, ["batch", "estates", "-o", "results", "--cluster", address])
    assert there.exit_code == 2, there.output
    assert _tasks_run(address) - before >= 3, "the estates were not solved on the cluster"
    written = sorted(p.name for p in out.iterdir())
    assert written == [f"{name}.result.json" for name in names]
    for name in names:
        assert (out / f"{name}.result.json").read_text(encoding="utf-8") == expected[name]
    assert _table_rows(there.output) == _table_rows(here.output)
    assert "results/E01.result.json" in there.output


def _result(text: str) -> Result:
    return Result.model_validate_json(text)


def _table_rows(output: str) -> str:
    """The summary table's rows (one per scenario), without where each result went."""
    rows = [line.rsplit("│", 2)[0] for line in output.splitlines() if "│" in line]
    assert len(rows) == 4, output
    return "\n".join(rows)


def test_batch_without_scenarios_names_the_folder(tmp_path: Path) -> None:
    done = runner.invoke(app, ["batch", str(tmp_path)])
    assert done.exit_code == 2
    assert str(tmp_path) in done.output and "no scenario files" in done.output


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("given", ["refused", "nonsense"])
def test_an_unreachable_cluster_is_an_engine_error(given: str) -> None:
    target = f"tcp://127.0.0.1:{_closed_port()}" if given == "refused" else "nonsense"
    scenario = SCENARIOS / "examples" / "E01.yaml"
    for args in (["solve", str(scenario), "--engine", "optimal"], ["batch", str(scenario)]):
        done = runner.invoke(app, [*args, "--cluster", target])
        assert done.exit_code == 3, done.output
        assert f"cannot reach the cluster at {target}" in done.output
        assert "Traceback" not in done.output
        assert done.exception is None or isinstance(done.exception, SystemExit)


def test_the_environment_names_the_cluster(
    address: str, estates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _solved_alone(estates["installs"])
    monkeypatch.setenv(cluster.CLUSTER_ENV, address)
    before = _tasks_run(address)
    assert _solved_alone(estates["installs"]) == expected
    assert _tasks_run(address) - before >= 6


def test_a_component_that_needs_the_greedy_hint_gets_it_in_a_second_round(
    estates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where HiGHS cannot take a component, CP-SAT starts from the greedy allocation, which
    only the caller can compute: the worker hands the component back, and the hinted one
    goes out again. Workers are separate processes that cannot see a patched HiGHS, so the
    tasks run here through the same two rounds."""
    from lcm_opt.engines import cluster_components, portfolio

    monkeypatch.setattr(portfolio, "solve_milp", lambda sub, **limits: None)
    scenario = load_scenario(estates["cores"])
    local = solve(scenario, "optimal")
    assert not check_result(scenario, local)

    rounds: list[str] = []

    def here(fn: Any, items: Any, counted: str, **options: Any) -> list[Any]:
        rounds.append(fn.__name__)
        return [fn(item, **options["shared"]) for item in items]

    monkeypatch.setattr(cluster_components, "run_all", here)
    monkeypatch.setenv(cluster.CLUSTER_ENV, "tcp://127.0.0.1:9")  # never reached: run here
    assert to_json(solve(scenario, "optimal")) == to_json(local)
    assert rounds == ["solve_component", "solve_hinted"]


def test_the_api_solves_queued_runs_on_its_cluster(
    address: str, sweep_base: Path, tmp_path: Path
) -> None:
    import warnings

    from lcm_opt.adapters.api import ApiSettings, create_app
    from tests.api_support import ALICE, KEYS, bearer
    from tests.test_api import wait_for_run

    with warnings.catch_warnings():  # starlette prefers httpx2; httpx is what we ship with
        warnings.filterwarnings("ignore", message=".*httpx2.*")
        from fastapi.testclient import TestClient

    scenario = load_scenario(sweep_base)
    local = solve(scenario, "optimal")
    settings = ApiSettings(
        database_url=f"sqlite:///{tmp_path / 'runs.db'}", api_keys=KEYS, cluster=address
    )
    before = _tasks_run(address)
    with TestClient(create_app(settings), headers=bearer(ALICE)) as client:
        body = {"kind": "solve", "scenario": scenario.model_dump(mode="json"), "engine": "optimal"}
        submitted = client.post("/v1/runs", json=body)
        assert submitted.status_code == 202, submitted.text
        run = wait_for_run(client, submitted.json()["id"], timeout_s=120)
    assert run["status"] == "succeeded", run
    assert _tasks_run(address) - before >= 6, "the run was not solved on the cluster"
    assert to_json(Result.model_validate(run["result"])) == to_json(local)
