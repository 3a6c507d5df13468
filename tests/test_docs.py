"""The documentation in docs/ keeps up with the code: every field of every model a user writes
or reads has a row in docs/scenario.md, every spec id the code, the tests or the README cite
has a heading in docs/, and nothing points outside the repository."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from lcm_opt.domain.result import Result
from lcm_opt.domain.scenario import Scenario, Variant
from lcm_opt.domain.variants import TypedVariant

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# A spec id: R12, A32, L5, E7, E22b, LE1a; zero-padded file names (E05, E02b) are the same ids.
SPEC_ID = re.compile(r"(?<![\w./])(LE|[RALE])0*(\d+)([a-z]?)(?!\w)")
# Not citations: linter codes after `noqa:`, and a quoted id on its own (a licence or
# consumption id in a test fixture, such as "L99").
NOT_CITED = (re.compile(r"noqa: [A-Z0-9, ]+"), re.compile(r"""(["'])(?:LE|[RALE])\d+[a-z]?\1"""))
# Paths of the files that cite spec ids.
CITING = (
    "src/**/*.py",
    "tests/**/*.py",
    "README.md",
    "scenarios/**/README.md",
    "models/**/*.rules",
    "src/**/*.rules",
)
# References that would point outside the repository.
OUTSIDE = (
    "shared/spec",
    "../shared",
    "/work/",
    "documented-engine.md",
    "scenario-format.md",
    "performance.md",
    "peers.md",
)


def _ids(text: str) -> set[str]:
    return {"".join(m.groups()) for m in SPEC_ID.finditer(text)}


def _doc_files() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _models(root: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """`root` and every model its fields reach, through unions, tuples, lists and dicts."""
    seen: set[type[BaseModel]] = set()
    todo: list[Any] = [root]
    while todo:
        kind = todo.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind in seen:
                continue
            seen.add(kind)
            yield kind
            todo.extend(field.annotation for field in kind.model_fields.values())
        elif get_origin(kind) is not None or isinstance(kind, types.UnionType):
            todo.extend(get_args(kind))


def _documented_fields() -> dict[str, list[str]]:
    """Model name -> the first column of the first table under a heading that starts with
    the model's name (`### Licence`, `### SetField — op: set`)."""
    tables: dict[str, list[str]] = {}
    for path in _doc_files():
        model: str | None = None
        in_table = False
        for line in path.read_text(encoding="utf-8").splitlines():
            heading = re.match(r"#{2,4} (\w+)", line)
            if heading:
                model, in_table = heading.group(1), False
                continue
            if model is None:
                continue
            cell = re.match(r"\|\s*`([^`]+)`\s*\|", line)
            if line.startswith("|"):
                in_table = True
                if cell:
                    tables.setdefault(model, []).append(cell.group(1))
            elif in_table:
                model = None  # only the first table after the heading
    return tables


ROOT_MODELS = (Scenario, Result, TypedVariant, Variant)
MODELS = sorted({m for root in ROOT_MODELS for m in _models(root)}, key=lambda m: m.__name__)


def test_the_walk_reaches_nested_models() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"Licence", "Settings", "OverviewRow", "AllocatedByType", "Churn", "SetField"} <= names
    assert {"AddLicence", "RemovePin", "ProductCoverage", "RuleText"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_field_is_documented(model: type[BaseModel]) -> None:
    documented = _documented_fields().get(model.__name__)
    assert documented is not None, f"docs/: no `### {model.__name__}` section with a field table"
    assert len(documented) == len(set(documented)), f"{model.__name__}: a field listed twice"
    fields = list(model.model_fields)
    missing = [f for f in fields if f not in documented]
    stale = [f for f in documented if f not in fields]
    assert not missing, f"{model.__name__}: fields without a row in docs/: {missing}"
    assert not stale, f"{model.__name__}: rows in docs/ for fields the model lacks: {stale}"


def test_the_field_check_can_fail() -> None:
    class Probe(BaseModel):
        undocumented_field: int

    assert "Probe" not in _documented_fields()
    assert "undocumented_field" not in _documented_fields().get("Licence", [])


def _cited() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    for pattern in CITING:
        for path in ROOT.glob(pattern):
            text = path.read_text(encoding="utf-8")
            for skip in NOT_CITED:
                text = skip.sub("", text)
            for spec_id in _ids(text):
                cited.setdefault(spec_id, set()).add(str(path.relative_to(ROOT)))
    return cited


def _headed() -> set[str]:
    found: set[str] = set()
    for path in _doc_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                found |= _ids(line)
    return found


def test_every_cited_spec_id_has_a_heading_in_docs() -> None:
    cited = _cited()
    assert {"R29", "A32", "L4", "E23", "LE1", "A9b"} <= set(cited)  # the scan sees citations
    missing = {spec_id: sorted(where)[:3] for spec_id, where in cited.items()
               if spec_id not in _headed()}
    assert not missing, f"spec ids cited without a heading in docs/: {missing}"


def test_the_id_scan_reads_ids_as_cited() -> None:
    assert _ids("(R12-R24, A15(c); E05.yaml, E02b, LE1a)") == {
        "R12", "R24", "A15", "E5", "E2b", "LE1a",
    }
    assert _ids("L-1, CORE4, x.A3, E40z9, path/E5") == set()
    text = 'licence "L99" and # noqa: E402'
    for skip in NOT_CITED:
        text = skip.sub("", text)
    assert _ids(text) == set()


def test_every_engine_rule_and_resolution_has_a_heading() -> None:
    """The documented engine's rules, resolutions and examples are all there, cited or not."""
    expected = {f"R{n}" for n in range(1, 57)} | {f"A{n}" for n in range(1, 46)}
    expected |= {f"L{n}" for n in range(1, 12)} | {f"E{n}" for n in range(1, 27)}
    expected |= {f"LE{n}" for n in range(1, 6)}
    assert not expected - _headed()


def test_every_bundled_example_file_is_named_in_the_engine_docs() -> None:
    engine = (DOCS / "engine.md").read_text(encoding="utf-8")
    files = [*ROOT.glob("scenarios/examples/*.yaml"), *ROOT.glob("scenarios/suboptimal/*.yaml"),
             *ROOT.glob("scenarios/lcm/*.yaml")]
    assert files
    unnamed = [f.name for f in files if f"`{f.name}`" not in engine and f"/{f.name}`" not in engine]
    assert not unnamed, f"docs/engine.md never points to {unnamed}"


@pytest.mark.parametrize(
    "path",
    [ROOT / "README.md", *_doc_files(), *sorted((ROOT / "src").rglob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_nothing_points_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [ref for ref in OUTSIDE if ref in text]
    assert not found, f"{path.relative_to(ROOT)} points outside the repository: {found}"


def test_relative_links_in_docs_resolve() -> None:
    broken = []
    for path in [ROOT / "README.md", *_doc_files()]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if "://" not in target and not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert not broken, broken
