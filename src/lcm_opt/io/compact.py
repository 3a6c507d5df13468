"""Prototypes held in less memory: a large estate keeps a few hundred thousand alive from load
to write. Prototypes that gave the same fields share one fields set (728 bytes), and equal
texts are one object. A frozen model never changes its fields set in place (pydantic copies
it when it copies a model), so sharing it is safe."""

from __future__ import annotations

from pydantic import BaseModel


class Compactor:
    """Shares fields sets and text values among the models it is given."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._sets: dict[frozenset[str], set[str]] = {}

    def __call__(self, model: BaseModel, ident: str | None = None) -> None:
        """`ident`: the row's own id text, kept instead of the model's copy of it (ids
        are unique, so sharing them through the text table would only grow it)."""
        values, texts = model.__dict__, self._texts
        for name, value in values.items():
            if type(value) is str and name != "id":
                values[name] = texts.setdefault(value, value)
        if ident is not None and values.get("id") == ident:
            values["id"] = ident
        fields = model.__pydantic_fields_set__
        shared = self._sets.setdefault(frozenset(fields), fields)
        if shared is not fields:
            object.__setattr__(model, "__pydantic_fields_set__", shared)
