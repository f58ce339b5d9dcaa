"""One worker per mailbox, bot or community, however many ingest processes run: whoever holds its lock works.

The lock is a PostgreSQL advisory lock on a connection of its own; when that connection ends, so
does the lock, and the work stops with it, to be started by whoever takes the lock next, at the
same checkpoint. ``supervised`` starts a failed part of a channel again, after a growing wait.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

log = structlog.get_logger()

LOCK_RETRY_SECONDS = 5.0
MAX_RESTART_WAIT = 60.0
Work = Callable[[asyncio.Event], Awaitable[None]]


class LockLost(RuntimeError):
    """The connection holding a worker's lock ended: another process may be doing the work now."""


async def leading(
    pool: asyncpg.Pool, key: str, work: Work, stop: asyncio.Event, *, elsewhere: str, **names: str
) -> None:
    """Run ``work`` while this process holds the advisory lock ``key``; wait for it while another does.

    ``elsewhere`` is the log event said once while another process holds the lock; ``names`` bind
    the log lines to what is worked on (the mailbox, the bot). LockLost if the lock's connection ends.
    """
    async with pool.acquire() as conn:
        waiting_logged = False
        while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", key):
            if not waiting_logged:
                log.info(elsewhere, lock=key, **names)
                waiting_logged = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LOCK_RETRY_SECONDS)
            if stop.is_set():
                return
        log.info("lock_taken", lock=key, **names)
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
        if stop.is_set():
            break  # the work stops with the process at once, not a round trip later, after its clients closed
        try:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), LOCK_RETRY_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            break
    working.set()


async def supervised(channel: str, name: str, part: Work, stop: asyncio.Event) -> None:
    """Run one part of a channel until ``stop``; if it fails, say so and start it again, waiting longer each time."""
    wait = 1.0
    while not stop.is_set():
        try:
            await part(stop)
        except Exception:  # a failed part is restarted, never left dead in silence
            log.exception("channel_part_failed", channel=channel, part=name, restart_in=wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            wait = min(wait * 2, MAX_RESTART_WAIT)
        else:
            return
