"""Read-model rebuild rate: the whole domain-event log replayed into a scratch schema."""

from __future__ import annotations

import time

import asyncpg

from services.projections.rebuild import rebuild
from services.settings import Settings


async def measure_replay(settings: Settings, pool: asyncpg.Pool) -> tuple[int, float]:
    """Rebuild from offset zero; the events replayed and the seconds it took."""
    started = time.monotonic()
    position = await rebuild(settings, pool)
    return position.kafka_offset + 1, time.monotonic() - started
