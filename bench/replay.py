"""Read-model rebuild rate: the whole event store replayed into a scratch schema, as ``switchboard replay`` does."""

from __future__ import annotations

import time

import asyncpg

from services.projections.rebuild import rebuild


async def measure_replay(pool: asyncpg.Pool) -> tuple[int, float]:
    """Rebuild from the start of the log; the events replayed and the seconds it took."""
    started = time.monotonic()
    position = await rebuild(pool)
    return position.notification_id, time.monotonic() - started
