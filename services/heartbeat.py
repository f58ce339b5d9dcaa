"""Heartbeats: each process says it is alive, so /healthz can report it."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from services.tables import ensure_tables

INTERVAL_SECONDS = 2.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS service_heartbeats (
    instance text PRIMARY KEY,
    service text NOT NULL,
    beat_at timestamptz NOT NULL DEFAULT now()
)
"""


async def beat(pool: asyncpg.Pool, service: str, instance: str, stop: asyncio.Event) -> None:
    """Record a heartbeat every few seconds until ``stop`` is set."""
    await ensure_tables(pool, SCHEMA)
    while not stop.is_set():
        await pool.execute(
            "INSERT INTO service_heartbeats (instance, service) VALUES ($1, $2) "
            "ON CONFLICT (instance) DO UPDATE SET beat_at = now()",
            instance,
            service,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL_SECONDS)
    await pool.execute("DELETE FROM service_heartbeats WHERE instance = $1", instance)
