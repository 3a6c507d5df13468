"""The strict YAML reader of scenario documents (adapters/files_parse.py): PyYAML's safe
loader refusing repeated keys, reading numbers only from plain decimal text, bounding aliases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from lcm_opt.adapters.files_errors import FLOAT_TEXT, INT_TEXT

MAX_DEPTH = 100
"""Lists and mappings nested deeper than this are refused (a scenario needs about 6)."""
MAX_INT_DIGITS = 640
"""Longer integers stay text, which every number field rejects as out of range: int()
refuses more than 4300 digits (640 at the lowest setting of sys.set_int_max_str_digits)."""
MAX_ALIAS_NODES = 1_000_000
"""Nodes that YAML aliases may repeat in one document, counted as expanded."""

_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


def read_int(text: str) -> int | str:
    """A plain decimal integer as an int; text too long for int() stays text."""
    return int(text) if len(text.lstrip("+-")) <= MAX_INT_DIGITS else text


class DuplicateKeyError(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key, self.line = key, line


# libyaml's parser when PyYAML has it (several times faster), with the same Python below
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AliasBomb(Exception): ...


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


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


class StrictLoader(_BASE):  # type: ignore[valid-type,misc]
    """SafeLoader that rejects a repeated key, reads numbers only from plain decimal text and
    bounds what aliases repeat (each repetition of a node counts its expanded size)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A repeated scalar costs a token of the document each time, so only collections
        # can multiply; and every mapping key is constructed twice (the duplicate check).
        if node in self.constructed_objects and not isinstance(node, yaml.ScalarNode):
            sizes: dict[int, int] = self.__dict__.setdefault("_alias_sizes", {})
            repeated = self.__dict__.get("_alias_nodes", 0) + _node_size(node, sizes)
            self.__dict__["_alias_nodes"] = repeated
            if repeated > MAX_ALIAS_NODES:
                raise AliasBomb()
        return super().construct_object(node, deep)


_STR_TAG = "tag:yaml.org,2002:str"


def _mapping(loader: StrictLoader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    if all(type(key) is yaml.ScalarNode and key.tag == _STR_TAG for key, _ in node.value):
        return _text_keys(loader, node)
    return _any_keys(loader, node)


def _text_keys(loader: StrictLoader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    """A mapping whose keys are all plain text, as _any_keys builds it: a text scalar
    constructs to its node's value, so its constructor need not be called (a scenario holds
    thousands of such mappings: products, pins)."""
    keys = [key.value for key, _ in node.value]
    if len(set(keys)) < len(keys):
        seen: set[str] = set()
        for key, (key_node, _) in zip(keys, node.value, strict=True):
            if key in seen:
                raise DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
    data: dict[Any, Any] = {}
    yield data
    values = [
        value.value
        if type(value) is yaml.ScalarNode and value.tag == _STR_TAG
        else loader.construct_object(value)
        for _, value in node.value
    ]
    data.update(zip(keys, values, strict=True))


def _any_keys(loader: StrictLoader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node)
        try:
            if key in seen:
                raise DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
        except TypeError:  # an unhashable key; the model rejects it later
            continue
    data: dict[Any, Any] = {}
    yield data
    data.update(loader.construct_mapping(node))


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def _int(loader: StrictLoader, node: yaml.ScalarNode) -> int | str:
    text = str(loader.construct_scalar(node))
    return read_int(text) if INT_TEXT.fullmatch(text) else text


def _float(loader: StrictLoader, node: yaml.ScalarNode) -> float | str:
    text = str(loader.construct_scalar(node))
    if INT_TEXT.fullmatch(text) and len(text) <= MAX_INT_DIGITS:  # only as `!!float 3`
        return float(text)
    if FLOAT_TEXT.fullmatch(text) or _SPECIAL_FLOAT.fullmatch(text):
        return float(loader.construct_yaml_float(node))
    return text


# YAML 1.1's int and float resolvers replaced by the plain decimal ones; the explicit
# `!!int` / `!!float` tags read the same forms and leave anything else as text.
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_INT_RX = re.compile(f"^(?:{INT_TEXT.pattern})$")
_FLOAT_RX = re.compile(f"^(?:{FLOAT_TEXT.pattern}|{_SPECIAL_FLOAT.pattern})$")
StrictLoader.add_implicit_resolver(_INT_TAG, _INT_RX, [*"-+0123456789"])
StrictLoader.add_implicit_resolver(_FLOAT_TAG, _FLOAT_RX, [*"-+.0123456789"])
StrictLoader.add_constructor(_INT_TAG, _int)
StrictLoader.add_constructor(_FLOAT_TAG, _float)

# Plain text whose first character no implicit resolver starts with (an id, a name) is
# text: the base resolver would try no pattern on it either, and there are no wildcard or
# path resolvers to consult.
assert None not in StrictLoader.yaml_implicit_resolvers and not StrictLoader.yaml_path_resolvers


def _resolve(self: StrictLoader, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
    plain = kind is yaml.ScalarNode and implicit[0] and value
    if plain and value[0] not in self.yaml_implicit_resolvers:
        return _STR_TAG
    return _BASE.resolve(self, kind, value, implicit)  # type: ignore[no-untyped-call,no-any-return]


StrictLoader.resolve = _resolve  # called by the parser for each of a document's nodes
