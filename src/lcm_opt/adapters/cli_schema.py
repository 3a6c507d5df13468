"""lcm-opt schema: the JSON Schema of scenario files, variant files or results, for editors
and for other programs that write or read them."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import OutputOpt, app, emit


class SchemaKind(StrEnum):
    SCENARIO = "scenario"
    RESULT = "result"
    VARIANTS = "variants"


@app.command()
def schema(
    kind: Annotated[
        SchemaKind,
        typer.Argument(
            help="scenario (a scenario file), result (solve --format json) or "
            "variants (a variant file naming its base)."
        ),
    ],
    output: OutputOpt = None,
) -> None:
    """Print the JSON Schema of a file format, generated from the models."""
    from lcm_opt.adapters.file_schema import SCHEMAS

    text = json.dumps(SCHEMAS[kind.value](), indent=2, sort_keys=True, ensure_ascii=False)
    emit(text + "\n", output)
