"""Import jobs: a file sent to the gateway is imported in the background, and survives a restart.

``POST /api/imports`` keeps the file in a job and answers at once; a loop of every gateway claims
the oldest job waiting, under a lease it renews while it works, and runs the import. A gateway that
stops (or is killed) leaves its job's lease to run out; another gateway, or this one started again,
claims it then and the import continues from its checkpoint, doing no row twice. Progress is the
checkpoint's rows done; the report (every refused row with its line and reason) is kept with the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from application.event_store import EventStore
from connectors.imports import UnreadableFile
from services.imports import checkpoints
from services.imports.runner import ImportRequest, run_import
from services.tables import ensure_tables

log = structlog.get_logger()
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

TABLES = """
CREATE TABLE IF NOT EXISTS import_jobs (
    id uuid PRIMARY KEY,
    file_sha256 text NOT NULL,
    filename text NOT NULL,
    by_manager uuid NOT NULL,
    mapping jsonb NOT NULL DEFAULT '{}',
    data bytea NOT NULL,
    status text NOT NULL DEFAULT 'queued',
    lease_until timestamptz,
    report jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS import_jobs_waiting ON import_jobs (created_at) WHERE status IN ('queued', 'running');
"""


@dataclass(frozen=True)
class JobSettings:
    """How an import job runs: rows per transaction, the phone region, and how long a lease lasts."""

    batch_size: int
    default_region: str
    lease_seconds: float
    poll_seconds: float


async def submit(pool: asyncpg.Pool, job_id: UUID, sha256: str, request: ImportRequest) -> UUID:
    """Keep the file as a job waiting to run; the same file again is the same job (its import continues)."""
    await ensure_tables(pool, TABLES)
    await pool.execute(
        "INSERT INTO import_jobs (id, file_sha256, filename, by_manager, mapping, data) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (id) DO UPDATE SET status = 'queued', lease_until = NULL, error = NULL"
        " WHERE import_jobs.status = 'failed'",
        job_id, sha256, request.filename, request.by, json.dumps(dict(request.mapping)), request.data,
    )  # fmt: skip
    return job_id


async def job_state(pool: asyncpg.Pool, job_id: UUID) -> dict[str, Any] | None:
    """Where a job stands: its status, rows done of all, and its report once done; None if there is no such job."""
    await ensure_tables(pool, TABLES)
    await ensure_tables(pool, checkpoints.TABLES)
    row = await pool.fetchrow(
        "SELECT j.id, j.filename, j.status, j.report, j.error, j.created_at, j.finished_at,"
        " c.rows_done, c.total FROM import_jobs j LEFT JOIN import_checkpoints c ON c.file_sha256 = j.file_sha256"
        " WHERE j.id = $1",
        job_id,
    )
    if row is None:
        return None
    return {
        "id": str(row["id"]),
        "filename": row["filename"],
        "status": row["status"],
        "rows_done": row["rows_done"] or 0,
        "rows": row["total"],
        "report": json.loads(row["report"]) if row["report"] else None,
        "error": row["error"],
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
    }


class ImportJobs:
    """The loop that runs waiting import jobs, one at a time, in this process."""

    def __init__(
        self,
        store: Callable[[], EventStore],
        pool: Callable[[], asyncpg.Pool],
        settings: JobSettings,
        on_done: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self._store, self._pool, self._settings, self._on_done = store, pool, settings, on_done
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A job was just submitted here: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Run jobs until ``stop``; between them, wait for a submission or the next poll."""
        await ensure_tables(self._pool(), TABLES)
        while not stop.is_set():
            if await self.run_one():
                continue
            self._wake.clear()
            waiting = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waiting, timeout=self._settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for each in waiting:
                each.cancel()

    async def run_one(self) -> bool:
        """Claim the oldest job waiting (or one whose gateway stopped) and run it; False when there is none."""
        pool = self._pool()
        row = await pool.fetchrow(
            "UPDATE import_jobs SET status = 'running', lease_until = now() + make_interval(secs => $1)"
            " WHERE id = (SELECT id FROM import_jobs WHERE status = 'queued'"
            " OR (status = 'running' AND lease_until < now()) ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
            " RETURNING id, filename, by_manager, mapping, data",
            self._settings.lease_seconds,
        )
        if row is None:
            return False
        # asyncpg's own UUID type is no UUID to the event store's transcoder.
        job_id, by = UUID(str(row["id"])), UUID(str(row["by_manager"]))
        mapping = json.loads(row["mapping"])
        request = ImportRequest(bytes(row["data"]), row["filename"], by, dry_run=False, mapping=mapping)
        log.info("import_job_started", job_id=str(job_id))
        renewing = asyncio.create_task(self._renew(job_id))
        try:
            report = await run_import(
                self._store(), pool, request, batch_size=self._settings.batch_size,
                default_region=self._settings.default_region,
            )  # fmt: skip
        except UnreadableFile as error:
            await self._finish(job_id, FAILED, error=f"{error}; nothing was imported")
            return True
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        await self._finish(job_id, DONE, report=report.as_dict())
        return True

    async def _renew(self, job_id: UUID) -> None:
        while True:
            await asyncio.sleep(self._settings.lease_seconds / 3)
            await self._pool().execute(
                "UPDATE import_jobs SET lease_until = now() + make_interval(secs => $2) WHERE id = $1",
                job_id,
                self._settings.lease_seconds,
            )

    async def _finish(
        self, job_id: UUID, status: str, *, report: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        await self._pool().execute(
            "UPDATE import_jobs SET status = $2, report = $3, error = $4, lease_until = NULL, finished_at = now(),"
            " data = ''::bytea WHERE id = $1",
            job_id, status, json.dumps(report) if report is not None else None, error,
        )  # fmt: skip
        log.info("import_job_finished", job_id=str(job_id), status=status)
        if self._on_done is not None and (state := await job_state(self._pool(), job_id)) is not None:
            await self._on_done(state)
