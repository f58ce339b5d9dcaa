"""Heartbeats: each process says it is alive, so /healthz can report it."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog

from services.tables import ensure_tables

log = structlog.get_logger()

INTERVAL_SECONDS = 2.0
UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)

TABLES = """
CREATE TABLE IF NOT EXISTS service_heartbeats (
    instance text PRIMARY KEY,
    service text NOT NULL,
    beat_at timestamptz NOT NULL DEFAULT now()
)
"""


async def beat(pool: asyncpg.Pool, service: str, instance: str, stop: asyncio.Event) -> None:
    """Record a heartbeat every few seconds until ``stop`` is set."""
    await ensure_tables(pool, TABLES)
    while not stop.is_set():
        # A beat missed while PostgreSQL restarts is only a stale heartbeat: a service that does not
        # need the database (ingest) keeps serving rather than dying with its heartbeat.
        try:
            await pool.execute(
                "INSERT INTO service_heartbeats (instance, service) VALUES ($1, $2) "
                "ON CONFLICT (instance) DO UPDATE SET beat_at = now()",
                instance,
                service,
            )
        except UNAVAILABLE as error:
            log.warning("heartbeat_missed", reason=str(error) or type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL_SECONDS)
    with contextlib.suppress(*UNAVAILABLE):
        await pool.execute("DELETE FROM service_heartbeats WHERE instance = $1", instance)
