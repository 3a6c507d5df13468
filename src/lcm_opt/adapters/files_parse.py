"""Reading scenario documents: YAML (io/yaml_text.py's strict loader) or JSON (decode_json,
which JSON Lines rows and the API's request bodies share), with one policy for all of
them (document_problems): numbers in plain decimal only (docs/scenario.md), aliases
bounded against an "alias bomb", half a surrogate pair refused where it stands."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from lcm_opt.adapters.files_errors import fail, loc_text, surrogate_message
from lcm_opt.domain.located import Loc
from lcm_opt.errors import ScenarioError
from lcm_opt.io.yaml_sections import Sections
from lcm_opt.io.yaml_text import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    AliasBomb,
    DuplicateKeyError,
    StrictLoader,
    read_int,
)

SUFFIXES = (".yaml", ".yml", ".json")
NOT_FINITE = "expected a finite number"
TOO_DEEP = f"nested too deeply: more than {MAX_DEPTH} levels of lists and mappings"
TOO_DEEP_TO_PARSE = (
    f"nested too deeply: more than the parser can read (limit {MAX_DEPTH} levels of lists "
    "and mappings)"
)
REPEATED = "key appears twice in one mapping"
REPEATED_IN_OBJECT = "key appears twice in one JSON object"


def read_document(path: Path) -> Mapping[str, Any]:
    """The top-level mapping of a `.yaml`/`.yml`/`.json` file; ScenarioErrors otherwise."""
    source = str(path)
    if path.suffix.lower() not in SUFFIXES:
        message = f"unsupported file type {path.suffix!r}; expected {', '.join(SUFFIXES)}"
        raise fail(message, where=source)
    try:
        data, clean = _parse(path.read_text(encoding="utf-8"), path.suffix.lower(), source)
    except FileNotFoundError:
        raise fail("file not found", where=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read the file: {exc}", where=source) from None
    if not isinstance(data, Mapping):
        empty = "the file is empty; expected a scenario mapping"
        top = "expected a mapping (name, licences, ...) at the top level"
        raise fail(empty if data is None else top, where=source)
    check_depth(data, source, clean)
    return data


def check_depth(data: Mapping[str, Any], source: str, clean: Collection[int] = ()) -> None:
    """Raises a ScenarioErrors for the first of document_problems: a too-deep value at its
    top-level key, text that is not Unicode at its path. `clean`: as document_problems'."""
    if (error := _first_problem(document_problems(data, clean))) is not None:
        raise fail(error.message, where=source, field=error.field)


def _first_problem(problems: Iterable[tuple[Loc, str]]) -> ScenarioError | None:
    for loc, message in problems:
        if message.startswith(NOT_FINITE):
            continue  # the models refuse it in their own words, at the field they name
        field = str(loc[0]) if message == TOO_DEEP and loc else loc_text(loc)
        return ScenarioError(message, field=field)
    return None


def document_problems(data: object, clean: Collection[int] = ()) -> Iterator[tuple[Loc, str]]:
    """What no model can see in a parsed document, in document order: a key repeated in
    one JSON object, text or a key holding half a surrogate pair (no Unicode text can), a
    number that is not finite (JSON has none, Python's parser reads NaN and Infinity), and
    a list or mapping nested more than MAX_DEPTH deep, which ends the walk (a YAML alias
    may contain itself). The one policy of scenario files, JSON Lines rows and request
    bodies. Iterative; a container is walked again only when reached deeper than before,
    so shared (aliased) parts cost at most MAX_DEPTH visits each. `clean`: the ids of lists
    known to hold nothing to report (io/yaml_sections.py: ASCII text two levels deep)."""
    deepest: dict[int, int] = {}
    stack: list[tuple[object, int, Any]] = [(data, 0, None)]  # path: (parent's path, key)
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            if not node.isascii() and (message := _not_unicode(node)):
                yield _loc(path), message
            continue
        if isinstance(node, float) and not math.isfinite(node):
            yield _loc(path), f"{NOT_FINITE}, got {node!r}"
        if not isinstance(node, Mapping | list | tuple):
            continue
        if id(node) in clean and depth + 1 < MAX_DEPTH:
            continue
        if depth >= MAX_DEPTH:
            yield _loc(path), TOO_DEEP
            return
        if deepest.get(id(node), -1) >= depth:
            continue
        deepest[id(node)] = depth
        for repeated in node.repeated if isinstance(node, JsonObject) else ():
            yield (*_loc(path), repeated), REPEATED_IN_OBJECT
        items: list[tuple[Any, Any]] = list(
            node.items() if isinstance(node, Mapping) else enumerate(node)
        )
        for key, _ in items if isinstance(node, Mapping) else ():
            if isinstance(key, str) and not key.isascii() and (message := _not_unicode(key)):
                yield (*_loc(path), key.encode("utf-8", "replace").decode()), message
        if all(type(v) in _QUIET or (type(v) is str and v.isascii()) for _, v in items):
            continue  # nothing below to report (a scenario holds thousands of such rows)
        stack.extend((value, depth + 1, (path, key)) for key, value in reversed(items))


_QUIET = frozenset({int, bool, type(None)})
"""Types of values the walk has nothing to say about (text only when it is ASCII)."""


def _not_unicode(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return surrogate_message(text)
    return None


def _loc(path: Any) -> Loc:
    """The location of check's (parent's path, key) pairs as a tuple."""
    parts: list[int | str] = []
    while path is not None:
        path, part = path
        parts.append(part)
    return tuple(reversed(parts))


def _parse(text: str, suffix: str, source: str) -> tuple[object, Collection[int]]:
    """The document's values, and the ids of lists in it with nothing to check."""
    try:
        if suffix == ".json":
            return parse_json(text), ()
        return _parse_yaml(text)
    except ScenarioError as exc:  # JSON's
        where = f"{source}: {exc.where}" if exc.where else source
        raise fail(exc.message, where=where, field=exc.field) from None
    except RecursionError:
        raise fail(TOO_DEEP_TO_PARSE, where=source) from None
    except AliasBomb:
        message = f"YAML aliases repeat more than {MAX_ALIAS_NODES:,} nodes (nested aliases "
        message += "multiply); write the data out or use fewer aliases"
        raise fail(message, where=source) from None
    except DuplicateKeyError as exc:
        raise fail(REPEATED, where=f"{source}: line {exc.line}", field=str(exc.key)) from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}: line {mark.line + 1}" if mark is not None else source
        if "nesting depth" in problem:  # libyaml's own limit, far beyond MAX_DEPTH
            raise fail(TOO_DEEP_TO_PARSE, where=source) from None
        raise fail(f"invalid YAML: {problem}", where=where) from None


def _parse_yaml(text: str) -> tuple[object, Collection[int]]:
    """The YAML text's values, its long simple lists read apart (io/yaml_sections.py);
    the whole text through the parser where that reading does not hold."""
    sections = Sections(text)
    if sections.lists:
        try:
            found = sections.restore(yaml.load(sections.text, Loader=StrictLoader))
        except Exception:  # the parser reports its errors on the original text
            found = None
        if found is not None:
            return found, sections.clean()
    return yaml.load(text, Loader=StrictLoader), ()  # a SafeLoader subclass: safe


def parse_json(text: str) -> Any:
    """JSON text as Python values (decode_json); a key repeated in one object is a
    ScenarioError, and so is, in an object holding lists or objects, the first problem
    check_depth finds (a flat JSON Lines row needs no walk)."""
    value = decode_json(text)
    found: list[tuple[Loc, str]] = [
        ((k,), REPEATED_IN_OBJECT) for k in getattr(value, "repeated", ())
    ]
    if not isinstance(value, JsonObject) or any(isinstance(v, dict | list) for v in value.values()):
        found = list(document_problems(value))  # one walk for both checks
    for loc, message in found:
        if message == REPEATED_IN_OBJECT:
            raise ScenarioError(REPEATED, field=str(loc[-1]))
    error = _first_problem(found) if isinstance(value, Mapping) else None
    if error is not None:
        raise error
    return value


def decode_json(text: str) -> Any:
    """JSON text as Python values: objects as JsonObject (which remember a repeated key),
    integers too long for int() as text; text that does not parse is a ScenarioError (at
    `line N` if known)."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise ScenarioError(message, where=f"line {exc.lineno}") from None
    except RecursionError:
        raise ScenarioError(TOO_DEEP_TO_PARSE) from None


class JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys it saw more than once: the one duplicate-key
    policy of JSON scenario files and API request bodies (plain `json` keeps the last value
    silently)."""

    repeated: tuple[str, ...] = ()


def json_object(pairs: list[tuple[str, Any]]) -> JsonObject:
    """`object_pairs_hook` for json.loads."""
    data = JsonObject(pairs)
    if len(data) < len(pairs):
        keys = [key for key, _ in pairs]
        data.repeated = tuple(k for k in data if keys.count(k) > 1)
    return data


# One decoder for every JSON text: json.loads with hooks would build one per call.
_DECODER = json.JSONDecoder(object_pairs_hook=json_object, parse_int=read_int)
