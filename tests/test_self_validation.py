"""The Scenario validates itself (domain/checks.py, domain/source.py): the whole-scenario
rules run when a ScenarioSource is the validation context, and the file loader's source
locates each row where its file has it, also in a streamed consumptions file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import Consumption, Licence, Product, RuleText, Scenario
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.types import text_id_fields
from lcm_opt.errors import ScenarioErrors

RULES = RuleText(name="r", lines=(), source="r")


def data(**sections: Any) -> dict[str, Any]:
    return {"name": "s", "rules": RULES, **sections}


def test_a_source_context_reports_every_broken_rule_located_by_section_and_row() -> None:
    bad = data(
        org={"locations": {"UK": None, "London": "UK", "A": "B", "B": "A"}},
        products=[{"id": "office"}, {"id": "office"}],
        licences=[{"id": "L1", "product": "ofice", "type": "device", "seats": 1}],
        consumptions=[{"id": "c1", "product": "office", "location": "Paris"}],
        direct_assignments=[{"licence": "L9", "consumption": "c1"}],
    )
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(bad, context=ScenarioSource("estate.yaml"))
    text = str(caught.value)
    for expected in (
        "estate.yaml: org.locations: A: cycle in org.locations: A -> B -> A",
        "estate.yaml: products[1]: id: duplicate id 'office'; first at products[0]",
        "estate.yaml: licences[0]: product: unknown product 'ofice'; did you mean 'office'?",
        "estate.yaml: consumptions[0]: location: 'Paris' is not declared in org.locations",
        "estate.yaml: direct_assignments[0]: licence: unknown licence 'L9'",
    ):
        assert expected in text, text


def test_a_sink_collects_instead_of_raising() -> None:
    class Sink:
        def __init__(self) -> None:
            self.errors: list[tuple[str, str, str]] = []
            self.full = False

        def add(self, where: str, field: str, message: str) -> None:
            self.errors.append((where, field, message))

    sink = Sink()
    bad = data(products=[{"id": "P"}], consumptions=[{"id": "c", "product": "Q"}])
    scenario = Scenario.model_validate(bad, context=ScenarioSource("x", sink))
    assert scenario.consumptions[0].product == "Q"
    assert sink.errors == [("x: consumptions[0]", "product", "unknown product 'Q'")]


def test_without_a_source_a_scenario_is_taken_as_built() -> None:
    scenario = Scenario(name="s", rules=RULES, consumptions=(Consumption(id="c", product="P"),))
    assert scenario.consumptions[0].product == "P"


def test_ids_read_integers_as_text_through_one_type() -> None:
    product = Product.model_validate({"id": 7, "family": 1, "version": 2019})
    assert (product.id, product.family, product.version) == ("7", "1", "2019")
    licence = Licence.model_validate({"id": 1, "product": 7, "type": "device", "seats": 1})
    assert (licence.id, licence.product) == ("1", "7")
    with pytest.raises(ValidationError):
        Product.model_validate({"id": True})
    with pytest.raises(ValidationError):
        Product.model_validate({"id": "P", "version": 2.1})
    assert text_id_fields(Consumption) == (
        "id", "product", "asset", "user", "location", "department", "cost_centre", "custodian"
    )  # fmt: skip


def _scenario(tmp_path: Path, csv_text: str, **extra: Any) -> Path:
    (tmp_path / "c.csv").write_text(csv_text)
    scenario = {
        "name": "t",
        "rules": [],
        "products": [{"id": "P"}],
        "licences": [{"id": "L1", "product": "P", "type": "device", "seats": 1}],
        "consumptions": {"csv": "c.csv"},
        **extra,
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def _errors(path: Path, group: bool) -> list[tuple[str, str, str]]:
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario(path, group=group)
    return [(e.where, e.field, e.message) for e in caught.value.errors]


@pytest.mark.parametrize("group", [True, False])
def test_a_reference_in_a_clean_streamed_file_names_its_row(tmp_path: Path, group: bool) -> None:
    """Every row loads on its own, so the stream's fast read keeps no lines: the reference
    error still names the file's row (the blank line counts)."""
    rows = "".join(f"c{i},P\n" for i in range(50))
    path = _scenario(tmp_path, "id,product\n" + rows + "\nc50,Q\nc51,P\nc52,Q\n")
    csv_path = tmp_path / "c.csv"
    assert _errors(path, group) == [
        (f"{csv_path}: row 53", "product", "unknown product 'Q'"),
        (f"{csv_path}: row 55", "product", "unknown product 'Q'"),
    ]


@pytest.mark.parametrize("group", [True, False])
def test_an_invalid_row_keeps_its_id_known(tmp_path: Path, group: bool) -> None:
    """A row that fails its own fields is not checked for references, and a pin naming it
    is not an unknown reference: one problem, reported once."""
    pins = [{"licence": "L1", "consumption": "c2"}]
    path = _scenario(
        tmp_path, "id,product,cores\nc1,P,2\nc2,Q,zero\n", direct_assignments=pins
    )
    assert _errors(path, group) == [
        (f"{tmp_path / 'c.csv'}: row 3", "cores", "expected a whole number, got 'zero'")
    ]
