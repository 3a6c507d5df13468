"""The runs store: one `runs` table in any SQLAlchemy database (SQLite file by default,
PostgreSQL via `postgresql+psycopg://...`). A row holds the run's owner (the API key's
name), its request JSON (as sent, so it is re-validated when it executes) and, once
finished, its result JSON or error.

Status moves queued -> running -> succeeded | failed, and every move is one conditional
UPDATE on the current state: a run is claimed only while `queued`; a claimed run carries a
lease (the holder's id and an expiry the holder renews while it works); only the holder
finishes it, and only while it is still `running`. A server that stops leaves a lease that
expires: `recover` (run by every server, at start-up and as it polls) fails only such runs.
So any number of servers can share one database: each queued run runs once, and no run is
taken from a live server.

A busy database (SQLite's lock, a PostgreSQL serialisation failure, a dropped connection) is
retried with back-off; past the budget, StoreBusy (the API answers 503 + Retry-After)."""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    DateTime,
    Dialect,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, load_only, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

LOGGER = logging.getLogger("lcm_opt.api.store")
INTERRUPTED = "interrupted: the server holding this run stopped before it finished"
READ_BUDGET_S = 2.0
WRITE_BUDGET_S = 10.0
T = TypeVar("T")


class StoreBusy(Exception):
    """The database stayed busy or unreachable past the retry budget."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the runs database is busy: {reason}")
        self.reason = reason


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite stores it naive, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


class RunRow(_Base):
    __tablename__ = "runs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    request_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    owner: Mapped[str] = mapped_column(String(64), index=True, default="", server_default="")
    lease_holder: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# Added to a table made by an earlier version (which had none of them).
_ADDED_COLUMNS = ("owner", "lease_holder", "lease_expires")


@dataclass(frozen=True)
class RunRecord:
    id: str
    kind: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    request_json: str | None = None  # None in listings
    result_json: str | None = None
    owner: str = ""

    @classmethod
    def of(cls, row: RunRow, *, payload: bool = True) -> RunRecord:
        return cls(
            id=row.id,
            kind=row.kind,
            status=row.status,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            error=row.error,
            request_json=row.request_json if payload else None,
            result_json=row.result_json if payload else None,
            owner=row.owner,
        )


def _now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """An engine safe to share between request threads and worker threads. SQLite waits
    briefly on a lock itself; the store's own back-off does the rest."""
    if url.startswith("sqlite") and (url.endswith(":memory:") or url.rstrip("/") == "sqlite:"):
        # One in-memory database for every thread (the default pool gives one per thread).
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 0.5})
    return create_engine(url, pool_pre_ping=True)


def _reason(exc: DBAPIError) -> str:
    """The driver's message, first line: never the URL (it may hold a password)."""
    return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]


def retrying(action: Callable[[], T], budget_s: float) -> T:
    """`action()`, again with jittered exponential back-off while the database is busy."""
    deadline = time.monotonic() + budget_s
    delay = 0.02
    while True:
        try:
            return action()
        except (OperationalError, DBAPIError) as exc:
            if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
                raise
            if time.monotonic() + delay > deadline:
                raise StoreBusy(_reason(exc)) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)


class RunStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_budget_s = READ_BUDGET_S
        self.write_budget_s = WRITE_BUDGET_S
        self.create_schema()

    def create_schema(self) -> None:
        """Creates the `runs` table if it is missing (again after `close` of an in-memory
        database, which `close` empties) and adds columns an older table lacks. Two servers
        starting together may race: the loser's error is retried."""
        retrying(self._create_schema, WRITE_BUDGET_S)

    def _create_schema(self) -> None:
        try:
            _Base.metadata.create_all(self.engine)
            self._add_missing_columns()
        except DBAPIError as exc:  # e.g. "table runs already exists": created meanwhile
            LOGGER.info("schema creation raced another server: %s", _reason(exc))
            time.sleep(0.1)
            _Base.metadata.create_all(self.engine)
            self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        present = {column["name"] for column in inspect(self.engine).get_columns("runs")}
        table = RunRow.__table__
        with self.engine.begin() as connection:
            for name in _ADDED_COLUMNS:
                if name in present:
                    continue
                column = table.c[name]
                kind = column.type.compile(dialect=self.engine.dialect)
                default = " NOT NULL DEFAULT ''" if name == "owner" else ""
                connection.execute(text(f"ALTER TABLE runs ADD COLUMN {name} {kind}{default}"))

    def close(self) -> None:
        self.engine.dispose()

    def _read(self, action: Callable[[Session], T]) -> T:
        def attempt() -> T:
            with self._sessions() as session:
                return action(session)

        return retrying(attempt, self.read_budget_s)

    def _write(self, action: Callable[[Session], T]) -> T:
        def attempt() -> T:
            with self._sessions.begin() as session:
                return action(session)

        return retrying(attempt, self.write_budget_s)

    # --- what the API asks -------------------------------------------------------------

    def add(self, kind: str, request: dict[str, Any], owner: str = "") -> RunRecord:
        row = RunRow(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            request_json=json.dumps(request, ensure_ascii=False, allow_nan=False),
            created_at=_now(),
            owner=owner,
        )

        def insert(session: Session) -> RunRecord:
            session.add(row)
            session.flush()
            return RunRecord.of(row)

        return self._write(insert)

    def get(self, run_id: str, owner: str | None = None) -> RunRecord | None:
        """The run, if it exists and (when `owner` is given) belongs to `owner`."""

        def read(session: Session) -> RunRecord | None:
            query = select(RunRow).where(RunRow.id == run_id)
            if owner is not None:
                query = query.where(RunRow.owner == owner)
            row = session.scalars(query).one_or_none()
            return None if row is None else RunRecord.of(row)

        return self._read(read)

    def page(self, *, limit: int, offset: int, owner: str = "") -> tuple[list[RunRecord], int]:
        """`owner`'s runs newest first, without request or result JSON; and their number."""
        summary = load_only(
            *(RunRow.id, RunRow.kind, RunRow.status, RunRow.error, RunRow.owner),
            *(RunRow.created_at, RunRow.started_at, RunRow.finished_at),
        )

        def read(session: Session) -> tuple[list[RunRecord], int]:
            rows = session.scalars(
                select(RunRow)
                .options(summary)
                .where(RunRow.owner == owner)
                .order_by(RunRow.seq.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            count = select(func.count()).select_from(RunRow).where(RunRow.owner == owner)
            total = session.scalar(count) or 0
            return [RunRecord.of(row, payload=False) for row in rows], total

        return self._read(read)

    def active(self, owner: str) -> int:
        """`owner`'s runs queued or running."""
        query = (
            select(func.count())
            .select_from(RunRow)
            .where(RunRow.owner == owner, RunRow.status.in_(("queued", "running")))
        )
        return self._read(lambda session: session.scalar(query) or 0)

    def delete(self, run_id: str, owner: str) -> bool:
        """Deletes `owner`'s run (a running one too: its holder's result is then dropped)."""
        query = delete(RunRow).where(RunRow.id == run_id, RunRow.owner == owner)
        return bool(self._write(lambda session: _count(session.execute(query))))

    def purge(self, older_than: timedelta) -> int:
        """Deletes finished runs that finished more than `older_than` ago."""
        cutoff = _now() - older_than
        query = delete(RunRow).where(
            RunRow.status.in_(("succeeded", "failed")), RunRow.finished_at < cutoff
        )
        return self._write(lambda session: _count(session.execute(query)))

    # --- what the workers do ---------------------------------------------------------------

    def claim_next(self, holder: str = "", lease_s: float = 30.0) -> RunRecord | None:
        """A queued run, now `running` under `holder`'s lease; None when none is queued.
        Fair between owners: the owner with the fewest runs running, then the one served
        longest ago, then the oldest run."""
        while True:
            picked = self._read(_fair_pick)
            if picked is None:
                return None
            record = self._claim(picked, holder, lease_s)
            if record is not None:
                return record
            # another worker or server took it first: pick again

    def _claim(self, seq: int, holder: str, lease_s: float) -> RunRecord | None:
        claim = (
            update(RunRow)
            .where(RunRow.seq == seq, RunRow.status == "queued")
            .values(
                status="running",
                started_at=_now(),
                lease_holder=holder,
                lease_expires=_now() + timedelta(seconds=lease_s),
            )
        )
        if self._write(lambda session: _count(session.execute(claim))) != 1:
            return None
        query = select(RunRow).where(RunRow.seq == seq)
        return self._read(lambda session: RunRecord.of(session.scalars(query).one()))

    def renew(self, run_id: str, holder: str, lease_s: float) -> bool:
        """Extends the lease; False when the run is no longer this holder's to finish."""
        query = (
            update(RunRow)
            .where(*_held(run_id, holder))
            .values(lease_expires=_now() + timedelta(seconds=lease_s))
        )
        return self._write(lambda session: _count(session.execute(query))) == 1

    def succeed(self, run_id: str, result_json: str, holder: str = "") -> bool:
        return self._finish(run_id, holder, status="succeeded", result_json=result_json)

    def fail(self, run_id: str, error: str, holder: str = "") -> bool:
        return self._finish(run_id, holder, status="failed", error=error)

    def _finish(self, run_id: str, holder: str, **values: object) -> bool:
        """True when written; False when the run is no longer held by `holder` (taken over
        after its lease expired, or deleted). StoreBusy past the budget."""
        query = (
            update(RunRow)
            .where(*_held(run_id, holder))
            .values(finished_at=_now(), lease_expires=None, **values)
        )
        return self._write(lambda session: _count(session.execute(query))) == 1

    def recover(self) -> int:
        """Runs left `running` under an expired lease become failed; returns how many."""
        query = (
            update(RunRow)
            .where(
                RunRow.status == "running",
                (RunRow.lease_expires.is_(None)) | (RunRow.lease_expires < _now()),
            )
            .values(status="failed", error=INTERRUPTED, finished_at=_now(), lease_expires=None)
        )
        return self._write(lambda session: _count(session.execute(query)))


def _held(run_id: str, holder: str) -> tuple[Any, ...]:
    return (RunRow.id == run_id, RunRow.status == "running", RunRow.lease_holder == holder)


def _count(result: Any) -> int:
    return int(result.rowcount)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _fair_pick(session: Session) -> int | None:
    queued = session.execute(
        select(RunRow.owner, func.min(RunRow.seq))
        .where(RunRow.status == "queued")
        .group_by(RunRow.owner)
    ).all()
    if not queued:
        return None
    owners = [owner for owner, _ in queued]
    running = dict(
        session.execute(
            select(RunRow.owner, func.count())
            .where(RunRow.status == "running", RunRow.owner.in_(owners))
            .group_by(RunRow.owner)
        ).all()
    )
    served = dict(
        session.execute(
            select(RunRow.owner, func.max(RunRow.started_at))
            .where(RunRow.owner.in_(owners), RunRow.started_at.is_not(None))
            .group_by(RunRow.owner)
        ).all()
    )
    _, seq = min(
        queued,
        key=lambda item: (running.get(item[0], 0), served.get(item[0]) or _NEVER, item[1]),
    )
    return int(seq)
