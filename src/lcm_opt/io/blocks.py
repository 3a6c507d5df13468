"""A table block (`{csv: path, ...}`, `{xlsx: path, sheet: NAME}`, ...) and its options,
checked by BlockOptions (which gives their JSON Schema too), every problem reported together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from lcm_opt.adapters.files_errors import Problems, shown, validate_item
from lcm_opt.domain.located import Located, located
from lcm_opt.domain.messages import unknown_key
from lcm_opt.io.mapping import ColumnMapping, parse_template
from lcm_opt.io.recognise import RECOGNITION_FIELDS, PatternSpec, Tally, load_recogniser
from lcm_opt.io.rows.csv import known_encoding

KINDS = {"csv": "CSV", "jsonl": "JSON Lines", "parquet": "Parquet", "xlsx": "XLSX"}
TEXT_CELLS = ("csv", "xlsx")  # formats whose cells are text to convert (io/cells.py)
_MAPPING = ("columns", "constants", "id", "recognise", "unrecognised")
OPTIONS = {"csv": ("encoding", "delimiter", *_MAPPING), "jsonl": _MAPPING,
           "parquet": _MAPPING, "xlsx": ("sheet", *_MAPPING)}  # fmt: skip


def _codec(value: object) -> str | None:
    codec = known_encoding(value) if isinstance(value, str) else None
    if codec is None and value is not None:
        expected = "a text encoding such as utf-8, utf-16 or cp1252"
        raise ValueError(f"expected {expected}, got {shown(value)}")
    return codec


def _delimiter(value: object) -> object:
    if value is None or (isinstance(value, str) and len(value) == 1 and value not in '"\r\n'):
        return value
    raise ValueError(f"expected one character such as ',' ';' or a tab, got {shown(value)}")


def _sheet(value: object) -> object:
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise ValueError(f"expected a sheet name, got {shown(value)}")
    return value.strip() if isinstance(value, str) else value


_FILE = {"type": "object", "properties": {"file": {"type": "string", "minLength": 1}},
         "required": ["file"], "additionalProperties": False}  # fmt: skip
_PATTERN: dict[str, Any] = {"anyOf": [PatternSpec.model_json_schema(), _FILE]}


class BlockOptions(BaseModel):
    """The options of a table block besides its file. The validation context's `model` is
    the section's row model, whose fields the mapping options name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    encoding: Annotated[str | None, BeforeValidator(_codec)] = Field(
        None, description="text encoding; detected when absent"
    )
    delimiter: Annotated[str | None, BeforeValidator(_delimiter)] = Field(
        None, min_length=1, max_length=1,
        description="CSV delimiter; detected from the header when absent",
    )  # fmt: skip
    sheet: Annotated[str | None, BeforeValidator(_sheet)] = Field(
        None, min_length=1, description="worksheet; the first if absent"
    )
    recognise: Any = Field(
        None,
        json_schema_extra={"anyOf": [_PATTERN, {"type": "array", "items": _PATTERN}]},
        description="ordered product recognition patterns or {file: path}",
    )
    unrecognised: Literal["warn", "error"] = "warn"
    columns: dict[str, str] | None = Field(None, description="file header -> field")
    constants: dict[str, Any] | None = Field(None, description="field -> value for every row")
    id: str | None = Field(None, description="id template, e.g. {asset}/{product}")

    @field_validator("unrecognised")
    @classmethod
    def _with_recognise(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("recognise") is None:
            raise ValueError("applies only with recognise:")
        return value

    @field_validator("columns")
    @classmethod
    def _targets(cls, value: dict[str, str] | None, info: ValidationInfo) -> dict[str, str]:
        columns = {header.strip(): target.strip() for header, target in (value or {}).items()}
        known = {*_fields(info), *RECOGNITION_FIELDS}
        problems: list[Located] = []
        for header, target in columns.items():
            if target in RECOGNITION_FIELDS and info.data.get("recognise") is None:
                problems.append(((header,), f"{target} is read only with recognise:", target))
            elif target not in known:
                message = f"unknown field {target!r}; accepted: {', '.join(sorted(known))}"
                problems.append(((header,), message, target))
        if problems:
            raise located(problems)
        return columns

    @field_validator("constants")
    @classmethod
    def _constants(cls, value: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any]:
        fields = _fields(info)
        message = f"not a field; accepted: {', '.join(fields)}"
        if bad := [((k,), message, k) for k in value or {} if k not in fields or k == "id"]:
            raise located(bad)
        return value or {}

    @field_validator("id")
    @classmethod
    def _template(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError(f"expected a template such as '{{asset}}/{{product}}', got {value!r}")
        try:
            names = [name for _, name in parse_template(value) if name is not None]
        except ValueError as exc:
            raise ValueError(f"bad template: {exc}") from None
        fields = _fields(info)
        if not names or any(n not in fields or n == "id" for n in names):
            raise ValueError(
                f"the template must name fields in braces, e.g. {{asset}}; got {value!r}"
            )
        return value


def _fields(info: ValidationInfo) -> dict[str, Any]:
    model: type[BaseModel] = (info.context or {})["model"]
    return dict(model.model_fields)


@dataclass
class TableBlock:
    form: str
    path: Path
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    tally: Tally | None = None  # the last read's

    @property
    def display(self) -> str:
        return str(self.path)

    def warning(self) -> str | None:
        return self.tally.warning(self.display) if self.tally is not None else None


def table_block(
    spec: Mapping[str, Any],
    forms: tuple[str, ...],
    model: type[BaseModel],
    base_dir: Path,
    where: str,
    problems: Problems,
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
    options = {key: value for key, value in spec.items() if key in OPTIONS[form]}
    found = validate_item(BlockOptions, options, where, problems, context={"model": model})
    recogniser = None
    if "recognise" in spec:
        strict = spec.get("unrecognised") == "error"
        recogniser = load_recogniser(spec["recognise"], base_dir, where, problems, strict=strict)
    if found is None or ("recognise" in spec and recogniser is None):
        return None
    mapping = ColumnMapping(found.columns or {}, found.constants or {}, found.id, recogniser)
    return TableBlock(form, path, found.encoding, found.delimiter, found.sheet, mapping)


def option_schemas(form: str) -> dict[str, dict[str, Any]]:
    """JSON Schema of the options a `form` block accepts (adapters/file_schema.py)."""
    properties = BlockOptions.model_json_schema()["properties"]
    return {name: properties[name] for name in OPTIONS[form]}
