"""Reading scenario documents: YAML (safe, rejecting repeated keys) or JSON (the same, through
json_object, which the API's request bodies share).

YAML numbers are read only from plain decimal text, not in YAML 1.1's other forms: an integer
is `[-+]?(0|[1-9][0-9]*)`, a float has a decimal point and optionally a signed exponent
(`1.5`, `.5`, `1.5e+3`), or is .inf/.nan (which the models reject). Anything else, such as
`012` (YAML 1.1: octal 10), `0x10`, `0o7`, `1_000` or `1:30` (YAML 1.1: 90), stays text: an
id `007` keeps its zeros, and a count written `012` is an error instead of 10. Text that
YAML 1.1 reads as text (`1e3`, `2E5`) stays text too, so what a YAML 1.1 emitter writes
reads back unchanged.

A document nested deeper than MAX_DEPTH (or referring to itself through a YAML alias) is
refused with "nested too deeply", and so is one that exhausts the parser's recursion. YAML
aliases may repeat at most MAX_ALIAS_NODES nodes in all: a few lines of nested aliases
(an "alias bomb") would otherwise stand for billions of nodes. Text must be Unicode: a JSON
escape of half a surrogate pair (`"\\ud800"`) is refused where it stands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from lcm_opt.adapters.files_errors import FLOAT_TEXT, INT_TEXT, fail, surrogate_message

SUFFIXES = (".yaml", ".yml", ".json")
MAX_DEPTH = 100
"""Lists and mappings nested deeper than this are refused (a scenario needs about 6)."""
MAX_INT_DIGITS = 640
"""Longer integers stay text, which every number field rejects as out of range: int()
refuses more than 4300 digits (640 at the lowest setting of sys.set_int_max_str_digits)."""

MAX_ALIAS_NODES = 1_000_000
"""Nodes that YAML aliases may repeat in one document, counted as expanded."""

_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


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
    check_depth(data, source)
    check_unicode(data, source)
    return data


def lone_surrogate(data: object) -> tuple[str, str] | None:
    """(path, the character escaped) of the first key or text holding half a surrogate
    pair, which no Unicode text can hold; None when all is well. Iterative."""
    stack: list[tuple[object, str]] = [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            texts = [node]
        elif isinstance(node, Mapping):
            texts = [key for key in node if isinstance(key, str)]
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in node.items())
        elif isinstance(node, list | tuple):
            texts = []
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
        else:
            continue
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                return path, f"\\u{ord(text[exc.start]):04x}"
    return None


def check_unicode(data: Mapping[str, Any], source: str) -> None:
    found = lone_surrogate(data)
    if found is not None:
        raise fail(surrogate_message(found[1]), where=source, field=found[0])


def read_int(text: str) -> int | str:
    """A plain decimal integer as an int; text too long for int() stays text."""
    digits = text.lstrip("+-")
    return int(text) if len(digits) <= MAX_INT_DIGITS else text


def check_depth(data: Mapping[str, Any], source: str) -> None:
    """Raises a ScenarioErrors naming the top-level key whose value nests lists and
    mappings more than MAX_DEPTH deep (or contains itself)."""
    for key, value in data.items():
        if _too_deep(value, MAX_DEPTH - 2):  # `data` is level 1, a container in `value` 2
            raise fail(
                f"nested too deeply: more than {MAX_DEPTH} levels of lists and mappings",
                where=source,
                field=str(key),
            )


def _too_deep(value: object, limit: int) -> bool:
    """True when a container lies more than `limit` containers below `value`. Iterative; each
    container is walked again only when reached deeper than before, so shared (aliased)
    parts cost at most `limit` visits each and a cycle ends at the limit."""
    deepest: dict[int, int] = {}
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children: Iterator[object] = iter(node.values())
        elif isinstance(node, list | tuple):
            children = iter(node)
        else:
            continue
        if depth > limit:
            return True
        if deepest.get(id(node), -1) >= depth:
            continue
        deepest[id(node)] = depth
        stack.extend((child, depth + 1) for child in children)
    return False


class _DuplicateKeyError(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


# libyaml's parser when PyYAML has it (several times faster on large scenario files);
# resolvers and constructors below are the same Python code either way.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AliasBomb(Exception):
    pass


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _node_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes under `node`, itself included, with aliases expanded; memoised in `sizes`,
    iterative, and a node met again on its own path (a recursive alias) counted once."""
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        key = id(current)
        if ready:
            visiting.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(child), 1) for child in _children(current))
        elif key not in sizes and key not in visiting:
            visiting.add(key)
            stack.append((current, True))
            stack.extend((child, False) for child in _children(current))
    return sizes[id(node)]


class _StrictLoader(_BASE):  # type: ignore[valid-type,misc]
    """SafeLoader that rejects a key repeated in one mapping (plain YAML keeps the last),
    reads numbers only from plain decimal text (see the module docstring) and bounds what
    aliases repeat (each repetition of an anchored node counts its expanded size)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            sizes: dict[int, int] = self.__dict__.setdefault("_alias_sizes", {})
            repeated = self.__dict__.get("_alias_nodes", 0) + _node_size(node, sizes)
            self.__dict__["_alias_nodes"] = repeated
            if repeated > MAX_ALIAS_NODES:
                raise _AliasBomb()
        return super().construct_object(node, deep)


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

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def _int(loader: _StrictLoader, node: yaml.ScalarNode) -> int | str:
    text = str(loader.construct_scalar(node))
    return read_int(text) if INT_TEXT.fullmatch(text) else text


def _float(loader: _StrictLoader, node: yaml.ScalarNode) -> float | str:
    text = str(loader.construct_scalar(node))
    if INT_TEXT.fullmatch(text) and len(text) <= MAX_INT_DIGITS:  # only as `!!float 3`
        return float(text)
    if FLOAT_TEXT.fullmatch(text) or _SPECIAL_FLOAT.fullmatch(text):
        return float(loader.construct_yaml_float(node))
    return text


def _plain_numbers(loader: type[_StrictLoader]) -> None:
    """Replaces YAML 1.1's int and float resolvers by the plain decimal ones; the explicit
    `!!int` / `!!float` tags read the same forms and leave anything else as text."""
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    int_rx = re.compile(f"^(?:{INT_TEXT.pattern})$")
    float_rx = re.compile(f"^(?:{FLOAT_TEXT.pattern}|{_SPECIAL_FLOAT.pattern})$")
    loader.add_implicit_resolver(_INT_TAG, int_rx, [*"-+0123456789"])
    loader.add_implicit_resolver(_FLOAT_TAG, float_rx, [*"-+.0123456789"])
    loader.add_constructor(_INT_TAG, _int)
    loader.add_constructor(_FLOAT_TAG, _float)


_plain_numbers(_StrictLoader)


def _parse(text: str, suffix: str, source: str) -> object:
    try:
        if suffix == ".json":
            data = json.loads(text, object_pairs_hook=json_object, parse_int=read_int)
            repeated = first_repeated(data)
            if repeated is not None:
                raise _DuplicateKeyError(repeated, 0)
            return data
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: safe
    except RecursionError:
        raise fail(
            f"nested too deeply: more than the parser can read (limit {MAX_DEPTH} levels of "
            "lists and mappings)",
            where=source,
        ) from None
    except _AliasBomb:
        raise fail(
            f"YAML aliases repeat more than {MAX_ALIAS_NODES:,} nodes (nested aliases "
            "multiply); write the data out or use fewer aliases",
            where=source,
        ) from None
    except _DuplicateKeyError as exc:
        where = f"{source}: line {exc.line}" if exc.line else source
        raise fail("key appears twice in one mapping", where=where, field=str(exc.key)) from None
    except json.JSONDecodeError as exc:
        raise fail(
            f"invalid JSON: {exc.msg} (column {exc.colno})", where=f"{source}: line {exc.lineno}"
        ) from None
    except yaml.YAMLError as exc:
        key = _too_deep_key(text)
        if key is not None:
            raise fail(
                f"nested too deeply: more than {MAX_DEPTH} levels of lists and mappings",
                where=source,
                field=key,
            ) from None
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}: line {mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise fail(f"invalid YAML: {problem}", where=where) from None


def _too_deep_key(text: str) -> str | None:
    """The top-level key under which the YAML text nests more than MAX_DEPTH containers
    ("" when it is the document itself), or None. Parsers give up on deep nesting each with
    its own limit and wording; reading the events stops at ours first, so the message and
    the key named do not depend on the parser's version. The pure-Python parser reads events
    lazily (libyaml's scanner refuses deep nesting before any event); this runs only once a
    document has already failed to parse."""
    depth = 0
    key = ""
    expect_key = False
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return key
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if depth == 1 and isinstance(event, yaml.ScalarEvent):
                if expect_key:
                    key = event.value
                expect_key = not expect_key
            elif depth == 1 and isinstance(
                event, yaml.CollectionEndEvent | yaml.MappingStartEvent
            ):
                expect_key = True
    except (yaml.YAMLError, RecursionError):
        return None
    return None


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


def first_repeated(data: object) -> str | None:
    """A key repeated in some object of a json_object document, or None. Iterative."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, JsonObject):
            if node.repeated:
                return node.repeated[0]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None
