"""The columnar reader's parts against plain Python: rows grouped by their codes (the
renumbering that keeps the combined codes in 64 bits included) and ids found in order by
Arrow as Python orders text."""

from __future__ import annotations

import copy
import itertools
import pickle
import random

import numpy as np
import pyarrow as pa
import pytest

from lcm_opt.io import columnar
from lcm_opt.io.read_texts import GraphicTexts
from lcm_opt.io.stream import unique_ids


def reference_groups(columns: list[list[int]], rows: int) -> tuple[list[int], list[int]]:
    numbers: dict[tuple[int, ...], int] = {}
    group = [numbers.setdefault(key, len(numbers)) for key in zip(*columns, strict=True)]
    firsts = [group.index(n) for n in range(len(numbers))]
    return group, firsts


@pytest.mark.parametrize("size", [3, 2**31, 2**40])
def test_groups_are_the_rows_with_equal_codes_in_order_of_first_appearance(size: int) -> None:
    rng = random.Random(size)
    rows = 500
    codes = [[rng.randrange(3) for _ in range(rows)] for _ in range(5)]
    given = [(np.array(c, dtype=np.int32), size) for c in codes]
    group, firsts = columnar._groups(given, rows)
    assert (group.tolist(), firsts.tolist()) == reference_groups(codes, rows)


TEXTS = [
    ["a", "b", "c"],
    ["a", "a", "b"],
    ["b", "a"],
    ["ab", "abc", "abd", "b"],
    ["abc", "ab"],
    ["z", "é", "\uffff", "\U00010000"],
    ["é", "z"],
    ["c10", "c2", "c9"],
]


@pytest.mark.parametrize("texts", TEXTS)
def test_increasing_is_pythons_order(texts: list[str]) -> None:
    expected = all(a < b for a, b in itertools.pairwise(texts))
    array = pa.array(["x", *texts], pa.string()).slice(1)  # an offset, as in a read column
    assert columnar._increasing(array) is expected
    found = unique_ids(tuple(texts), columnar._increasing(array))
    assert found is None or sorted(found) == sorted(texts)
    assert (found is None) == (len(set(texts)) < len(texts))
    assert all(text in found for text in texts) if found is not None else True


def test_graphic_texts_keep_their_array_but_travel_as_tuples() -> None:
    array = pa.array(["x", "a1", "b2"], pa.string()).slice(1)
    found = GraphicTexts.of(array)
    assert found.arrow is array
    assert found == ("a1", "b2")
    for copied in (pickle.loads(pickle.dumps(found)), copy.deepcopy(found), copy.copy(found)):
        assert type(copied) is tuple and copied == found


@pytest.mark.parametrize(
    "texts",
    [["a1", "!", "~"], ["a b"], ["a\t"], ["\x7f"], ["é"], ["a", ""], ["x" * 50, "y"]],
)
def test_graphic_is_printable_ascii_but_the_space(texts: list[str]) -> None:
    expected = all(text and all(0x21 <= ord(c) <= 0x7E for c in text) for text in texts)
    array = pa.array(["  ", *texts, " "], pa.string()).slice(1, len(texts))
    assert columnar._graphic(array) is expected


def test_ids_in_order_are_found_by_bisection_whatever_their_tuple() -> None:
    texts = [f"c{n:03d}" for n in range(0, 300, 3)]
    for ids in (tuple(texts), GraphicTexts.of(pa.array(texts, pa.string()))):
        known = unique_ids(ids, True)
        assert known is not None and len(known) == len(texts) and list(known) == texts
        assert all(text in known for text in texts)
        assert not any(f"c{n:03d}" in known for n in range(1, 300, 3))
        assert "b" not in known and "d" not in known
        assert not known.__contains__(3)
