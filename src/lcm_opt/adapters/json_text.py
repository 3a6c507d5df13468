"""The JSON text of a model, for files and the command line: field order as declared,
2-space indent, trailing newline; the same bytes run after run. pydantic's serializer writes
what json.dumps(indent=2, ensure_ascii=False) would, several times faster on large results;
result_stream.py writes the same bytes for a result without building its models."""

from __future__ import annotations

from pydantic import BaseModel

# The result models strip whitespace from every string (str_strip_whitespace); pydantic-core
# trims Unicode White_Space, which is not Python's str.isspace (that adds \x1c-\x1f).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def to_json(model: BaseModel) -> str:
    return model.model_dump_json(indent=2) + "\n"
