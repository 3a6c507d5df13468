"""What a plain `lcm-opt solve` pays for before and while it loads: the command line
imports each command's implementation only when that command runs, the columnar reader
never imports pandas, and ids take a one-call path that gives what the full chain of
validators gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, StringConstraints, TypeAdapter, ValidationError

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain.types import _READ_AS_TEXT, Id, visible
from lcm_opt.services.checker import check_result, load_result

ONLY_OTHER_COMMANDS = (
    "xlsxwriter",
    "lcm_opt.adapters.workbook",
    "lcm_opt.adapters.report",
    "lcm_opt.services.checker",
    "lcm_opt.services.explain",
    "lcm_opt.services.recommend",
    "lcm_opt.services.whatif",
    "lcm_opt.adapters.variants",
    "lcm_opt.io.importer",
    "lcm_opt.adapters.render",
)


def _modules_after(code: str, tmp_path: Path) -> set[str]:
    """The modules loaded when `code` has run (at exit: the console script ends with
    os._exit after running the exit handlers)."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import atexit, sys\n"
        "atexit.register(lambda: print('\\n'.join(sorted(sys.modules)), flush=True))\n" + code
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_command_line_imports_what_solve_does_not_use_only_when_asked(
    tmp_path: Path,
) -> None:
    loaded = _modules_after("from lcm_opt.adapters.cli import app", tmp_path)
    assert "lcm_opt.adapters.cli_whatif" in loaded  # the commands are registered
    assert not loaded & set(ONLY_OTHER_COMMANDS)


ANY_COMMAND_S_WORK = (
    "pydantic",
    "numpy",
    "yaml",
    "lcm_opt.domain",
    "lcm_opt.adapters.files",
    "lcm_opt.rules.language",
    "lcm_opt.services.solve",
    "lcm_opt.engines.optimal",
)


def test_the_help_imports_no_command_s_work(tmp_path: Path) -> None:
    """`lcm-opt --help` (every command registered) loads no model, loader or engine."""
    code = "from lcm_opt.adapters.cli import main\nsys.argv = ['lcm-opt', '--help']\nmain()\n"
    loaded = _modules_after(code, tmp_path)
    assert "lcm_opt.adapters.cli_whatif" in loaded
    assert not loaded & set(ANY_COMMAND_S_WORK)


def test_a_parquet_read_imports_no_pandas(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = [f"c{i}" for i in range(40)]
    table = pa.table({"id": ids, "product": ["p"] * 40, "cores": list(range(1, 41))})
    pq.write_table(table, tmp_path / "c.parquet")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: t\nproducts: [{id: p, metric: core}]\n"
        "licences: [{id: l1, product: p, type: core, seats: 500}]\n"
        "consumptions: {parquet: c.parquet}\n"
    )
    code = (
        "from lcm_opt.adapters.files import load_scenario\n"
        f"assert len(load_scenario({str(scenario)!r}).consumptions) == 40\n"
    )
    loaded = _modules_after(code, tmp_path)
    assert "lcm_opt.io.columnar" in loaded  # the columnar reader read the file
    assert "pandas" not in loaded
    assert "pyarrow.compute" not in loaded  # its wrappers cost more than the read


def test_a_csv_solve_to_json_imports_neither_pandas_nor_the_other_commands(
    tmp_path: Path,
) -> None:
    rows = "".join(f"c{i},p,loc{i % 3},dep{i % 2}\n" for i in range(60))
    (tmp_path / "c.csv").write_text("id,product,location,department\n" + rows)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: t\norg: {departments: {dep0: null, dep1: null}, "
        "locations: {loc0: null, loc1: null, loc2: null}}\n"
        "products: [{id: p, metric: device}]\n"
        "licences: [{id: l1, product: p, type: device, seats: 20, department: dep1},"
        " {id: l2, product: p, type: device, seats: 25, location: loc2}]\n"
        "consumptions: {csv: c.csv}\n"
    )
    out = tmp_path / "out.json"
    code = (
        "from lcm_opt.adapters.cli import main\n"
        f"sys.argv = ['lcm-opt', 'solve', {str(scenario)!r}, '--engine', 'optimal', "
        f"'--format', 'json', '-q', '-o', {str(out)!r}]\n"
        "main()\n"
    )
    loaded = _modules_after(code, tmp_path)
    assert check_result(load_scenario(scenario), load_result(out)) == []
    assert "lcm_opt.io.columnar" in loaded  # the columnar reader read the file
    assert "pandas" not in loaded and "pyarrow.compute" not in loaded
    assert not loaded & set(ONLY_OTHER_COMMANDS)


FULL_CHAIN: Any = TypeAdapter(
    Annotated[
        str,
        _READ_AS_TEXT,
        StringConstraints(strip_whitespace=True, min_length=1),
        AfterValidator(visible),
    ]
)
FAST: Any = TypeAdapter(Id)
TEXT = st.text(
    st.sampled_from([*" \t\x1c\x1f\x00\x7f\x85\xa0\u2003\u202e\u3000\ud800é", "a", "Z", "7"]),
    max_size=6,
)


def _outcome(adapter: Any, value: object) -> object:
    try:
        return ("ok", adapter.validate_python(value))
    except ValidationError as exc:
        return ("error", exc.errors(include_url=False))


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.integers(), st.booleans(), st.none(), st.floats(), st.binary()))
def test_an_id_validates_as_the_full_chain_of_validators(value: object) -> None:
    fast, full = _outcome(FAST, value), _outcome(FULL_CHAIN, value)
    assert repr(fast) == repr(full)
    assert FAST.json_schema() == FULL_CHAIN.json_schema()
