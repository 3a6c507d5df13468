"""Natural id order (A31) and version order (A43): digit runs compared without int(), which
refuses more than 4300 digits, in exactly the order int() gave on ordinary ids."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from lcm_opt.domain.ordering import natural_key, sort_ids, version_key


def int_natural_key(identifier: str) -> tuple[int, int, str]:
    """The int()-based key natural_key replaced: the reference order."""
    if re.fullmatch(r"[0-9]+", identifier):
        return (0, int(identifier), identifier)
    return (1, 0, identifier)


def int_version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    runs = [
        (1, int(run), "") if run.isdigit() else (0, 0, run.lower())
        for run in re.findall(r"[0-9]+|[A-Za-z]+", version)
    ]
    while runs and runs[-1] == (1, 0, ""):
        runs.pop()
    return tuple(runs)


def sign(a: tuple[object, ...], b: tuple[object, ...]) -> int:
    return int(a > b) - int(a < b)


IDS = st.one_of(
    st.text("0123456789", min_size=1, max_size=6),  # digit-only, leading zeros included
    st.text("0123456789abcXYZ-_/. ", min_size=1, max_size=6),
)
VERSIONS = st.text("0123456789.-abAB ", max_size=8)


@given(IDS, IDS)
def test_natural_key_orders_as_int_did(a: str, b: str) -> None:
    assert sign(natural_key(a), natural_key(b)) == sign(int_natural_key(a), int_natural_key(b))


@given(st.lists(IDS, max_size=8))
def test_sort_ids_sorts_as_int_did(ids: list[str]) -> None:
    assert sort_ids(ids) == sorted(ids, key=int_natural_key)


@given(VERSIONS, VERSIONS)
def test_version_key_orders_and_equates_as_int_did(a: str, b: str) -> None:
    assert sign(version_key(a), version_key(b)) == sign(int_version_key(a), int_version_key(b))


def test_documented_orders() -> None:
    """A31: digit-only ids numerically and first, '7' before '007' by the string; A43:
    trailing zero runs ignored, letters before numbers, case-insensitive."""
    assert sort_ids(["c2", "10", "c10", "007", "7", "2", "0", "00"]) == [
        "0", "00", "2", "007", "7", "10", "c10", "c2"
    ]  # fmt: skip
    assert version_key("2.0") == version_key("2") == version_key("2.0.00")
    assert version_key("2.010") == version_key("2.10") > version_key("2.9")
    assert version_key("1.0b") < version_key("1.0.1")  # a letter run before a number run
    assert version_key("1.0-RC") == version_key("1.0-rc")


def test_ids_and_versions_longer_than_int_accepts() -> None:
    """int() refuses strings of more than 4300 digits; the keys do not need it."""
    huge, huger = "9" * 5000, "1" + "0" * 5000
    assert sort_ids([huger, "c1", huge, "0" + huge, "12"]) == ["12", "0" + huge, huge, huger, "c1"]
    assert natural_key(huge) < natural_key(huger)
    assert version_key(f"1.{huge}") < version_key(f"1.{huger}") < version_key("2")
    assert version_key(f"{huger}.0") == version_key(f"{huger}.{'0' * 5000}")
