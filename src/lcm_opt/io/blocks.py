"""A table block: `{csv: path, ...}`, `{jsonl: path}`, `{parquet: path, ...}` or
`{xlsx: path, sheet: NAME, ...}`, with its reading options (`encoding`, `delimiter` for CSV;
`sheet` for XLSX) and mapping options (io/mapping.py: `columns`, `constants`, `id`,
`recognise`, `unrecognised`), each checked, every problem reported together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems, shown
from lcm_opt.domain.messages import unknown_key
from lcm_opt.io.mapping import ColumnMapping, mapping_options
from lcm_opt.io.recognise import PatternSpec, Recogniser, Tally, load_recogniser
from lcm_opt.io.text import known_encoding

KINDS = {"csv": "CSV", "jsonl": "JSON Lines", "parquet": "Parquet", "xlsx": "XLSX"}
TEXT_CELLS = ("csv", "xlsx")  # formats whose cells are text to convert (io/cells.py)
_MAPPING = ("columns", "constants", "id", "recognise", "unrecognised")
OPTIONS = {
    "csv": ("encoding", "delimiter", *_MAPPING),
    "jsonl": _MAPPING,
    "parquet": _MAPPING,
    "xlsx": ("sheet", *_MAPPING),
}


@dataclass
class TableBlock:
    form: str
    path: Path
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    tallies: list[Tally] = field(default_factory=list)  # one per read; the last one counts

    @property
    def display(self) -> str:
        return str(self.path)

    @property
    def kind(self) -> str:
        return KINDS[self.form]

    def warning(self) -> str | None:
        return self.tallies[-1].warning(self.display) if self.tallies else None


def table_block(
    spec: Mapping[str, Any],
    forms: tuple[str, ...],
    model: type[BaseModel],
    base_dir: Path,
    where: str,
    problems: Problems,
    read_document: Callable[[Path], Any],
) -> TableBlock | None:
    """The block `spec` of a section accepting `forms`; None with every problem reported."""
    given = [form for form in forms if form in spec]
    if len(given) > 1:
        problems.add(where, given[-1], f"expected one file, got {' and '.join(given)}")
        return None
    form = given[0] if given else forms[0]
    accepted = (*forms, *OPTIONS[form])
    for extra in spec:
        if extra not in accepted:
            problems.add(where, str(extra), unknown_key(accepted))
    relative = spec.get(form)
    if not isinstance(relative, str) or not relative.strip():
        message = f"expected a path to a {KINDS[form]} file, got {shown(relative)}"
        problems.add(where, form, message)
        return None
    path = base_dir / relative.strip()
    if not path.is_file():
        problems.add(where, form, f"{KINDS[form]} file not found: {path}")
        return None
    before = len(problems.errors)
    block = TableBlock(form, path)
    block.encoding = _encoding(spec.get("encoding"), where, problems)
    block.delimiter = _delimiter(spec.get("delimiter"), where, problems)
    sheet = spec.get("sheet")
    if sheet is not None and not (isinstance(sheet, str) and sheet.strip()):
        problems.add(where, "sheet", f"expected a sheet name, got {shown(sheet)}")
    block.sheet = sheet.strip() if isinstance(sheet, str) else None
    recogniser = _recogniser(spec, base_dir, where, problems, read_document)
    block.mapping = mapping_options(spec, model, recogniser, where, problems)
    return None if len(problems.errors) > before else block


def _encoding(value: Any, where: str, problems: Problems) -> str | None:
    if value is None:
        return None
    codec = known_encoding(value) if isinstance(value, str) else None
    if codec is None:
        problems.add(
            where,
            "encoding",
            f"expected a text encoding such as utf-8, utf-16 or cp1252, got {shown(value)}",
        )
    return codec


def _delimiter(value: Any, where: str, problems: Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
        problems.add(
            where,
            "delimiter",
            f"expected one character such as ',' ';' or a tab, got {shown(value)}",
        )
        return None
    return value


def _recogniser(
    spec: Mapping[str, Any],
    base_dir: Path,
    where: str,
    problems: Problems,
    read_document: Callable[[Path], Any],
) -> Recogniser | None:
    mode = spec.get("unrecognised", "warn")
    if mode not in ("warn", "error"):
        problems.add(where, "unrecognised", f"expected warn or error, got {shown(mode)}")
    if "recognise" not in spec:
        if "unrecognised" in spec:
            problems.add(where, "unrecognised", "applies only with recognise:")
        return None
    return load_recogniser(
        spec["recognise"], base_dir, where, problems, read_document, strict=mode == "error"
    )


_FILE = {"type": "object", "properties": {"file": {"type": "string", "minLength": 1}},
         "required": ["file"], "additionalProperties": False}  # fmt: skip
_PATTERN = {"anyOf": [PatternSpec.model_json_schema(), _FILE]}
_OPTION_SCHEMAS: dict[str, dict[str, Any]] = {
    "encoding": {"type": "string", "description": "text encoding; detected when absent"},
    "delimiter": {
        "type": "string",
        "minLength": 1,
        "maxLength": 1,
        "description": "CSV delimiter; detected from the header when absent",
    },
    "sheet": {"type": "string", "minLength": 1, "description": "worksheet; the first if absent"},
    "columns": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "file header -> field",
    },
    "constants": {"type": "object", "description": "field -> value for every row"},
    "id": {"type": "string", "description": "id template, e.g. {asset}/{product}"},
    "recognise": {
        "anyOf": [_PATTERN, {"type": "array", "items": _PATTERN}],
        "description": "ordered product recognition patterns or {file: path}",
    },
    "unrecognised": {"enum": ["warn", "error"]},
}


def option_schemas(form: str) -> dict[str, dict[str, Any]]:
    """JSON Schema of the options a `form` block accepts (adapters/file_schema.py)."""
    return {name: _OPTION_SCHEMAS[name] for name in OPTIONS[form]}
