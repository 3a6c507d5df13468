"""The runs table and what the store is built from: the `runs` row (RunRow, read back as a
RunRecord), timestamps stored as UTC on every database, an engine safe to share between
threads, and `retrying`, the back-off on a busy database (StoreBusy past its budget).
`fair_pick` chooses the next queued run: the owner with the fewest running runs, then the
one served longest ago, then the oldest run."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, Dialect, Integer, String, Text, create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

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


class Base(DeclarativeBase):
    pass


class RunRow(Base):
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
ADDED_COLUMNS = ("owner", "lease_holder", "lease_expires")


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


def now() -> datetime:
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


def reason(exc: DBAPIError) -> str:
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
                raise StoreBusy(reason(exc)) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)


_NEVER = datetime.min.replace(tzinfo=UTC)


def fair_pick(session: Session) -> int | None:
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
