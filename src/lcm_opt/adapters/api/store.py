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
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, load_only, sessionmaker

from lcm_opt.adapters.api.store_rows import (
    ADDED_COLUMNS,
    Base,
    RunRecord,
    RunRow,
    StoreBusy,
    fair_pick,
    make_engine,
    now,
    reason,
    retrying,
)

__all__ = ["INTERRUPTED", "RunRecord", "RunRow", "RunStore", "StoreBusy"]

LOGGER = logging.getLogger("lcm_opt.api.store")
INTERRUPTED = "interrupted: the server holding this run stopped before it finished"
READ_BUDGET_S = 2.0
WRITE_BUDGET_S = 10.0
T = TypeVar("T")


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
            Base.metadata.create_all(self.engine)
            self._add_missing_columns()
        except DBAPIError as exc:  # e.g. "table runs already exists": created meanwhile
            LOGGER.info("schema creation raced another server: %s", reason(exc))
            time.sleep(0.1)
            Base.metadata.create_all(self.engine)
            self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        present = {column["name"] for column in inspect(self.engine).get_columns("runs")}
        table = RunRow.__table__
        with self.engine.begin() as connection:
            for name in ADDED_COLUMNS:
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
            created_at=now(),
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
        cutoff = now() - older_than
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
            picked = self._read(fair_pick)
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
                started_at=now(),
                lease_holder=holder,
                lease_expires=now() + timedelta(seconds=lease_s),
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
            .values(lease_expires=now() + timedelta(seconds=lease_s))
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
            .values(finished_at=now(), lease_expires=None, **values)
        )
        return self._write(lambda session: _count(session.execute(query))) == 1

    def recover(self) -> int:
        """Runs left `running` under an expired lease become failed; returns how many."""
        query = (
            update(RunRow)
            .where(
                RunRow.status == "running",
                (RunRow.lease_expires.is_(None)) | (RunRow.lease_expires < now()),
            )
            .values(status="failed", error=INTERRUPTED, finished_at=now(), lease_expires=None)
        )
        return self._write(lambda session: _count(session.execute(query)))


def _held(run_id: str, holder: str) -> tuple[Any, ...]:
    return (RunRow.id == run_id, RunRow.status == "running", RunRow.lease_holder == holder)


def _count(result: Any) -> int:
    return int(result.rowcount)
