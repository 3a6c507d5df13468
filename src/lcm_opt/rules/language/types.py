"""Type aliases shared by the rule-language modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from lcm_opt.domain.org import Dimension

WithinFn = Callable[[Dimension, str, str, bool], bool]
"""(dimension, a, b, strict) -> `a within b`: a == b (unless strict) or a descends from b."""

Values = tuple[object, ...]
_Env = Sequence[object]
# Every compiled expression: (consumption values, licence values, within, strict) -> value.
_Fn = Callable[[_Env, _Env, WithinFn, bool], object]
_Pred = Callable[[_Env, _Env, WithinFn, bool], bool]
Side = Literal["C", "L"]
