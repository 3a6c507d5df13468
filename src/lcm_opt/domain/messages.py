"""Wording shared by every place that refuses input: the domain models' validators and the
readers of files and request bodies say the same thing the same way."""

from __future__ import annotations

from collections.abc import Iterable

# Software License Groups are deliberately not modelled (A26): say so instead of "unknown key".
A26_KEYS = frozenset(
    {"group", "licence_group", "license_group", "software_licence_group", "software_license_group"}
)


def unknown_key(accepted: Iterable[str], key: object = None, within: str = "") -> str:
    """`unknown key 'x'; accepted keys: a, b`; without `key` when the error's field names it
    (`within`: where, when the location alone does not say, e.g. " in a variant file")."""
    if key is not None and str(key) in A26_KEYS:
        return f"unknown key {str(key)!r}: Software License Groups are not modelled (A26)"
    named = "" if key is None else f" {str(key)!r}"
    return f"unknown key{named}{within}; accepted keys: {', '.join(accepted)}"
