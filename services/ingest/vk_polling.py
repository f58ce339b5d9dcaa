"""One long poller per community, however many ingest processes run: whoever holds its lock polls.

The lock is a PostgreSQL advisory lock on a connection of its own; when that connection ends, so
does the lock, and the poller stops with it, to be started by whoever takes the lock next, at the
same checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

log = structlog.get_logger()

LOCK_RETRY_SECONDS = 5.0
Work = Callable[[asyncio.Event], Awaitable[None]]


class LockLost(RuntimeError):
    """The connection holding a poller's lock ended: another process may be polling now."""


async def leading(pool: asyncpg.Pool, key: str, work: Work, stop: asyncio.Event) -> None:
    """Run ``work`` while this process holds the advisory lock ``key``; wait for it while another does."""
    async with pool.acquire() as conn:
        waiting_logged = False
        while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", key):
            if not waiting_logged:
                log.info("vk_polled_elsewhere", lock=key)
                waiting_logged = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LOCK_RETRY_SECONDS)
            if stop.is_set():
                return
        log.info("vk_polling_here", lock=key)
        working = asyncio.Event()  # set to stop the work: on stop, or when the lock is lost
        holding = asyncio.create_task(_hold(conn, stop, working))
        try:
            await work(working)
        finally:
            holding.cancel()
            # The lock's connection runs one statement at a time: the check in flight ends first.
            await asyncio.gather(holding, return_exceptions=True)
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", key)
    if not stop.is_set():
        msg = f"the lock {key!r} was lost with its connection"
        raise LockLost(msg)


async def _hold(
    conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record], stop: asyncio.Event, working: asyncio.Event
) -> None:
    """Set ``working`` when ``stop`` is set or the lock's connection stops answering."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), LOCK_RETRY_SECONDS)
        try:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), LOCK_RETRY_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            break
    working.set()


async def supervised(name: str, part: Work, stop: asyncio.Event) -> None:
    """Run one part of the VK channel until ``stop``; if it fails, say so and start it again."""
    wait = 1.0
    while not stop.is_set():
        try:
            await part(stop)
        except Exception:  # a failed part is restarted, never left dead in silence
            log.exception("vk_part_failed", part=name, restart_in=wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            wait = min(wait * 2, 60.0)
        else:
            return
