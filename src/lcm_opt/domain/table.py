"""ConsumptionTable: a large consumptions section held column-wise instead of as one frozen
model per row.

An estate of a million installs repeats a few thousand attribute sets (product, org
values, size, `virtual`) and differs row to row only in `id`, `asset` and `user`. The table
keeps each distinct attribute set once, as a validated `Consumption` (its *prototype*), and
per row only the id, the index of its prototype and the asset and user. A row's
`Consumption` is made on demand from its prototype, without validating again. The columnar
loaders hand over the prototypes as validated columns (domain/prototypes.py), made into
models only when something asks for one: `prototype_values` reads a field over them
without making any.

Fields (read-only):

* `ids`: the row ids in file order, each a validated id (non-empty, stripped text), unique.
* `prototypes`: the distinct attribute sets, in order of first use (a sequence: a tuple, or
  `Prototypes`, equal to the tuple of its models). In a prototype `asset` and `user` are
  None and `id` is the id of the first row that uses it.
* `row_prototype`: per row, the index into `prototypes` of its attribute set, as a read-only
  memoryview of unsigned ints (format `I`; `numpy.frombuffer(..., dtype=numpy.uintc)` reads
  it without a copy).
* `assets`, `users`: per row, the row's asset (user), None where the row has none; the
  field itself is None when no row has one.
* `ids_in_order`: True where the builder found the ids in strictly increasing plain
  string order with no id made of ASCII digits alone (then their natural order, A31, is
  the rows' order); False where it does not know.

Two rows share a prototype exactly when their validated attributes other than `id`, `asset`
and `user` are equal (in the tables the loader and `from_rows` build; the constructor does
not check that prototypes differ), so grouping rows by `row_prototype` groups rows that
every rule sees alike except through asset and user (per-user merging, A18, reads `user`).

`table[i]` equals (==) the model that validating row i on its own gives. Only
`model_fields_set` may differ: a row's is its prototype's (that of the first row with that
attribute set) plus `id`, and `asset`/`user` when the row has one. `len`, iteration,
indexing and slicing behave as on the tuple of those models (a slice is a ConsumptionTable),
and a table is equal to that tuple and hashes like it.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, overload

from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.prototypes import Prototypes

__all__ = ["ATTRIBUTE_FIELDS", "ROW_FIELDS", "ConsumptionTable", "attribute_key"]

ROW_FIELDS = ("id", "asset", "user")
"""The fields a row keeps itself; every other field comes from its prototype."""
ATTRIBUTE_FIELDS: tuple[str, ...] = tuple(
    name for name in Consumption.model_fields if name not in ROW_FIELDS
)
"""The fields that make up an attribute set (a prototype), in declaration order."""

_INDEX = "I"  # unsigned int: 4 bytes per row, enough for 2**32 prototypes


_attribute_values = itemgetter(*ATTRIBUTE_FIELDS)


def attribute_key(consumption: Consumption) -> tuple[Any, ...]:
    """The values that decide a row's prototype. Every attribute field has a fixed scalar
    type (text, int, bool or None), so equal keys mean equal attributes."""
    values: tuple[Any, ...] = _attribute_values(consumption.__dict__)
    return values


class ConsumptionTable(Sequence[Consumption]):
    """An immutable sequence of Consumption stored as prototypes plus per-row columns (see
    the module docstring)."""

    __slots__ = (
        "_assets", "_hash", "_ids", "_in_order", "_prototypes", "_rows", "_users", "_values"
    )  # fmt: skip

    _ids: tuple[str, ...]
    _prototypes: tuple[Consumption, ...] | Prototypes
    _rows: array[int]
    _assets: tuple[str | None, ...] | None
    _users: tuple[str | None, ...] | None
    _hash: int | None
    _values: dict[str, Collection[Any]]
    _in_order: bool

    def __init__(
        self,
        ids: Iterable[str],
        prototypes: Iterable[Consumption],
        row_prototype: Iterable[int],
        assets: Iterable[str | None] | None = None,
        users: Iterable[str | None] | None = None,
    ) -> None:
        """Checks the invariants listed in the module docstring (ValueError when one does
        not hold); the rows themselves were validated when their prototypes were."""
        self._set(
            tuple(ids),
            tuple(prototypes),
            array(_INDEX, row_prototype),
            None if assets is None else tuple(assets),
            None if users is None else tuple(users),
        )
        self._check()

    @classmethod
    def trusted(
        cls,
        ids: tuple[str, ...],
        prototypes: tuple[Consumption, ...] | Prototypes,
        row_prototype: array[int],
        assets: tuple[str | None, ...] | None = None,
        users: tuple[str | None, ...] | None = None,
        values: Mapping[str, Collection[Any]] | None = None,
        in_order: bool = False,
    ) -> ConsumptionTable:
        """A table from columns their builder has already checked (the streaming loader
        checks every row as it reads it): skips the O(rows) checks of the constructor. The
        table takes ownership of `row_prototype`; the caller must not change it. `values`:
        the values of attribute fields over the prototypes, where the builder knows them
        (`attribute_values`); `in_order`: `ids_in_order`, where the builder checked it."""
        table = cls.__new__(cls)
        table._set(ids, prototypes, row_prototype, assets, users)
        table._values.update(values or {})
        table._in_order = in_order
        return table

    @classmethod
    def from_rows(cls, rows: Iterable[Consumption]) -> ConsumptionTable:
        """The table of existing models (a tuple section, say), prototypes in order of first
        use."""
        ids: list[str] = []
        assets: list[str | None] = []
        users: list[str | None] = []
        index = array(_INDEX)
        prototypes: list[Consumption] = []
        known: dict[tuple[Any, ...], int] = {}
        for row in rows:
            key = attribute_key(row)
            number = known.get(key)
            if number is None:
                number = known[key] = len(prototypes)
                prototypes.append(_prototype_of(row))
            ids.append(row.id)
            assets.append(row.asset)
            users.append(row.user)
            index.append(number)
        return cls(ids, prototypes, index, _column(assets), _column(users))

    def _set(
        self,
        ids: tuple[str, ...],
        prototypes: tuple[Consumption, ...] | Prototypes,
        rows: array[int],
        assets: tuple[str | None, ...] | None,
        users: tuple[str | None, ...] | None,
    ) -> None:
        self._ids = ids
        self._prototypes = prototypes
        self._rows = rows
        self._assets = _column(assets)
        self._users = _column(users)
        self._hash = None
        self._values = {}
        self._in_order = False

    def _check(self) -> None:
        size = len(self._ids)
        for name, column in (("row_prototype", self._rows), ("assets", self._assets)):
            if column is not None and len(column) != size:
                raise ValueError(f"{name} has {len(column)} entries for {size} ids")
        if self._users is not None and len(self._users) != size:
            raise ValueError(f"users has {len(self._users)} entries for {size} ids")
        if not all(type(i) is str and i and i == i.strip() for i in self._ids):
            raise ValueError("every id must be non-empty text without surrounding whitespace")
        if len(set(self._ids)) != size:
            raise ValueError("ids must be unique")
        if size and max(self._rows) >= len(self._prototypes):
            raise ValueError("row_prototype refers past the last prototype")
        for prototype in self._prototypes:
            if not isinstance(prototype, Consumption):
                raise ValueError(f"a prototype must be a Consumption, got {type(prototype)}")
            if prototype.asset is not None or prototype.user is not None:
                raise ValueError("a prototype carries no asset or user")

    # columns --------------------------------------------------------------------------

    @property
    def ids(self) -> tuple[str, ...]:
        return self._ids

    @property
    def ids_in_order(self) -> bool:
        return self._in_order

    @property
    def prototypes(self) -> Sequence[Consumption]:
        return self._prototypes

    def prototype_values(self, field: str) -> list[Any]:
        """Field `field` (an attribute field or `id`) of each prototype, in order, read
        without making prototypes the table does not hold made."""
        if field not in ATTRIBUTE_FIELDS and field != "id":
            raise ValueError(f"{field!r} is not an attribute field")
        if isinstance(self._prototypes, Prototypes):
            return self._prototypes.values(field)
        return list(map(attrgetter(field), self._prototypes))

    def prototype_fields(self, index: int) -> dict[str, Any]:
        """Prototype `index`'s fields by name (as its `__dict__` holds them), read without
        making it where the table does not hold it made."""
        if isinstance(self._prototypes, Prototypes):
            return self._prototypes.fields(index)
        return dict(self._prototypes[index].__dict__)

    @property
    def row_prototype(self) -> memoryview:
        return memoryview(self._rows).toreadonly()

    def attribute_values(self, field: str) -> Collection[Any]:
        """Every value an attribute field takes over the prototypes (and so the rows), each
        at least once: the builder's list, or the set of the prototypes' values."""
        found = self._values.get(field)
        if found is None:
            if field not in ATTRIBUTE_FIELDS:
                raise ValueError(f"{field!r} is not an attribute field")
            found = self._values[field] = set(self.prototype_values(field))
        return found

    @property
    def assets(self) -> tuple[str | None, ...] | None:
        return self._assets

    @property
    def users(self) -> tuple[str | None, ...] | None:
        return self._users

    # Sequence -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Consumption: ...

    @overload
    def __getitem__(self, index: slice) -> ConsumptionTable: ...

    def __getitem__(self, index: int | slice) -> Consumption | ConsumptionTable:
        if isinstance(index, slice):
            return self._slice(index)
        try:
            return self._row(index)
        except IndexError:
            raise IndexError("ConsumptionTable index out of range") from None

    def _row(self, index: int) -> Consumption:
        asset = None if self._assets is None else self._assets[index]
        user = None if self._users is None else self._users[index]
        return _make(self._prototypes[self._rows[index]], self._ids[index], asset, user)

    def __iter__(self) -> Iterator[Consumption]:
        prototypes = _models(self._prototypes)
        assets = repeat(None) if self._assets is None else self._assets
        users = repeat(None) if self._users is None else self._users
        for ident, number, asset, user in zip(self._ids, self._rows, assets, users, strict=False):
            yield _make(prototypes[number], ident, asset, user)

    def _slice(self, index: slice) -> ConsumptionTable:
        """The slice's rows with only the prototypes they use, renumbered in order of first
        use, each carrying the id of its first row in the slice."""
        ids = self._ids[index]
        old_rows = self._rows[index]
        renumbered: dict[int, int] = {}
        prototypes: list[Consumption] = []
        rows = array(_INDEX)
        for position, old in enumerate(old_rows):
            new = renumbered.get(old)
            if new is None:
                new = renumbered[old] = len(prototypes)
                prototypes.append(self._prototypes[old].model_copy(update={"id": ids[position]}))
            rows.append(new)
        assets = None if self._assets is None else self._assets[index]
        users = None if self._users is None else self._users[index]
        return ConsumptionTable.trusted(ids, tuple(prototypes), rows, assets, users)

    # equality, hashing, pickling ------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConsumptionTable):
            return self._equal_table(other)
        if isinstance(other, tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def _equal_table(self, other: ConsumptionTable) -> bool:
        if (self._ids, self._assets, self._users) != (other._ids, other._assets, other._users):
            return False
        if self._rows == other._rows and self._prototypes == other._prototypes:
            return True
        mine = [attribute_key(p) for p in self._prototypes]
        theirs = [attribute_key(p) for p in other._prototypes]
        return all(mine[a] == theirs[b] for a, b in zip(self._rows, other._rows, strict=True))

    def __hash__(self) -> int:
        """As the tuple of rows hashes, since the table equals that tuple (made once)."""
        if self._hash is None:
            self._hash = hash(tuple(self))
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        columns = (self._ids, self._prototypes, self._rows, self._assets, self._users)
        return (ConsumptionTable.trusted, (*columns, None, self._in_order))

    def __repr__(self) -> str:
        return f"ConsumptionTable({len(self)} rows, {len(self._prototypes)} prototypes)"


# model_copy costs more than validating the row again (it copies through several generic
# steps); iterating a million-row table is common enough (what-if, checker) to build the
# copy directly. This is what BaseModel.__copy__ + model_copy(update=...) leave behind, valid
# while Consumption has no private attributes and no extra fields; otherwise use model_copy.
_DIRECT = (
    not Consumption.__private_attributes__ and Consumption.model_config.get("extra") != "allow"
)
_new = object.__new__
_set_attribute = object.__setattr__


def _make(prototype: Consumption, ident: str, asset: str | None, user: str | None) -> Consumption:
    """Row `ident` of `prototype`, equal to prototype.model_copy(update=...) with the row's
    id and, when it has them, asset and user (fields set included)."""
    update: dict[str, Any] = {"id": ident}
    if asset is not None:
        update["asset"] = asset
    if user is not None:
        update["user"] = user
    if not _DIRECT:
        return prototype.model_copy(update=update)
    row: Consumption = _new(Consumption)
    _set_attribute(row, "__dict__", {**prototype.__dict__, **update})
    fields_set = prototype.__pydantic_fields_set__ | update.keys()
    _set_attribute(row, "__pydantic_fields_set__", fields_set)
    _set_attribute(row, "__pydantic_extra__", None)
    _set_attribute(row, "__pydantic_private__", None)
    return row


def _models(prototypes: tuple[Consumption, ...] | Prototypes) -> tuple[Consumption, ...]:
    """Every prototype as a model (a row per prototype would make them one by one)."""
    return prototypes.all() if isinstance(prototypes, Prototypes) else prototypes


def _prototype_of(row: Consumption) -> Consumption:
    """`row` without asset and user, through validation so that its fields set are right."""
    data = {name: getattr(row, name) for name in row.model_fields_set if name not in ROW_FIELDS}
    return Consumption.model_validate({"id": row.id, **data})


def _column(values: Sequence[str | None] | None) -> tuple[str | None, ...] | None:
    """A per-row column, or None when no row has a value."""
    if values is None or all(value is None for value in values):
        return None
    return values if isinstance(values, tuple) else tuple(values)
