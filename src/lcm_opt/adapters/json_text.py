"""The JSON text of a model, for files and the command line: field order as declared,
2-space indent, trailing newline; the same bytes run after run. pydantic's serializer writes
what json.dumps(indent=2, ensure_ascii=False) would, several times faster on large results;
result_stream.py writes the same bytes for a result without building its models."""

from __future__ import annotations

from pydantic import BaseModel


def to_json(model: BaseModel) -> str:
    return model.model_dump_json(indent=2) + "\n"
