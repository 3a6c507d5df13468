"""The runs store: one `runs` table in any SQLAlchemy database (SQLite file by default,
PostgreSQL via `postgresql+psycopg://...`). A row holds the run's request JSON (as sent, so
it is re-validated when it executes) and, once finished, its result JSON or error.

Status moves queued -> running -> succeeded | failed. `claim_next` takes the oldest queued
run with a conditional UPDATE, so several workers (or servers) never run one twice.
`recover` marks runs left `running` by a stopped server as failed: call it at startup, with
one server per database."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Integer, String, Text, create_engine, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, load_only, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

INTERRUPTED = "interrupted: the server stopped while this run was running"


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
        )


def _now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """An engine safe to share between request threads and worker threads."""
    if url.startswith("sqlite") and (url.endswith(":memory:") or url.rstrip("/") == "sqlite:"):
        # One in-memory database for every thread (the default pool gives one per thread).
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    return create_engine(url, pool_pre_ping=True)


class RunStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.create_schema()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Creates the `runs` table if it is missing (again after `close` of an in-memory
        database, which `close` empties)."""
        _Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def add(self, kind: str, request: dict[str, Any]) -> RunRecord:
        row = RunRow(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            request_json=json.dumps(request, ensure_ascii=False, allow_nan=False),
            created_at=_now(),
        )
        with self._sessions.begin() as session:
            session.add(row)
        return RunRecord.of(row)

    def get(self, run_id: str) -> RunRecord | None:
        with self._sessions() as session:
            row = session.scalars(select(RunRow).where(RunRow.id == run_id)).one_or_none()
            return None if row is None else RunRecord.of(row)

    def page(self, *, limit: int, offset: int) -> tuple[list[RunRecord], int]:
        """Newest first, without request or result JSON; and the total number of runs."""
        summary = load_only(
            *(RunRow.id, RunRow.kind, RunRow.status, RunRow.error),
            *(RunRow.created_at, RunRow.started_at, RunRow.finished_at),
        )
        with self._sessions() as session:
            rows = session.scalars(
                select(RunRow)
                .options(summary)
                .order_by(RunRow.seq.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            total = session.scalar(select(func.count()).select_from(RunRow)) or 0
            return [RunRecord.of(row, payload=False) for row in rows], total

    def claim_next(self) -> RunRecord | None:
        """The oldest queued run, now `running`; None when the queue is empty."""
        while True:
            with self._sessions.begin() as session:
                run_id = session.scalars(
                    select(RunRow.id).where(RunRow.status == "queued").order_by(RunRow.seq).limit(1)
                ).first()
                if run_id is None:
                    return None
                claimed = session.execute(
                    update(RunRow)
                    .where(RunRow.id == run_id, RunRow.status == "queued")
                    .values(status="running", started_at=_now())
                )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                return self.get(run_id)
            # another worker took it between the SELECT and the UPDATE: try the next one

    def succeed(self, run_id: str, result_json: str) -> None:
        self._finish(run_id, status="succeeded", result_json=result_json)

    def fail(self, run_id: str, error: str) -> None:
        self._finish(run_id, status="failed", error=error)

    def _finish(self, run_id: str, **values: object) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(RunRow).where(RunRow.id == run_id).values(finished_at=_now(), **values)
            )

    def recover(self) -> int:
        """Runs left `running` (the server stopped mid-run) become failed; returns how many."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(RunRow)
                .where(RunRow.status == "running")
                .values(status="failed", error=INTERRUPTED, finished_at=_now())
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
