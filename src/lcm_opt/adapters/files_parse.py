"""Reading scenario documents: YAML (safe, rejecting repeated keys) or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from lcm_opt.adapters.files_errors import fail

SUFFIXES = (".yaml", ".yml", ".json")


def read_document(path: Path) -> Mapping[str, Any]:
    """The top-level mapping of a `.yaml`/`.yml`/`.json` file; ScenarioErrors otherwise."""
    source = str(path)
    if path.suffix.lower() not in SUFFIXES:
        raise fail(
            f"unsupported file type {path.suffix!r}; expected {', '.join(SUFFIXES)}",
            where=source,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("file not found", where=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read the file: {exc}", where=source) from None
    data = _parse(text, path.suffix.lower(), source)
    if data is None:
        raise fail("the file is empty; expected a scenario mapping", where=source)
    if not isinstance(data, Mapping):
        raise fail("expected a mapping (name, licences, ...) at the top level", where=source)
    return data


class _DuplicateKeyError(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key repeated in one mapping (plain YAML keeps the last)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node)
        try:
            if key in seen:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
        except TypeError:  # an unhashable key; the model rejects it later
            continue
    data: dict[Any, Any] = {}
    yield data
    data.update(loader.construct_mapping(node))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _parse(text: str, suffix: str, source: str) -> object:
    try:
        if suffix == ".json":
            return json.loads(text, object_pairs_hook=_json_object)
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: safe
    except _DuplicateKeyError as exc:
        where = f"{source}: line {exc.line}" if exc.line else source
        raise fail("key appears twice in one mapping", where=where, field=str(exc.key)) from None
    except json.JSONDecodeError as exc:
        raise fail(
            f"invalid JSON: {exc.msg} (column {exc.colno})", where=f"{source}: line {exc.lineno}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}: line {mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise fail(f"invalid YAML: {problem}", where=where) from None


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKeyError(key, 0)
        data[key] = value
    return data
