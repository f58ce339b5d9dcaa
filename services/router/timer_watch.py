"""One pass of a router's timer watch every second, until the process stops; a lost database waits.

The overdue-lead and reminder watches read the timers the event store keeps. When PostgreSQL is
restarting, a pass fails; the watch says so, waits a little longer each time, and goes on. The
timers are still there when the database is back, so nothing due is missed, only late.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import psycopg
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError

log = structlog.get_logger()

INTERVAL_SECONDS = 1.0
MAX_WAIT_SECONDS = 10.0
# What fails a pass rather than one timer: the database is away or the connection was lost.
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, psycopg.OperationalError, OSError)


async def watch(name: str, one_pass: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
    """Run ``one_pass`` every second until ``stop`` is set, waiting out an unreachable database."""
    failures = 0
    while not stop.is_set():
        wait = INTERVAL_SECONDS
        try:
            await one_pass()
            failures = 0
        except UNAVAILABLE as error:
            failures += 1
            wait = min(MAX_WAIT_SECONDS, INTERVAL_SECONDS * 2 ** min(failures, 4))
            log.warning("timer_watch_waiting", watch=name, error=str(error) or type(error).__name__, retry_in=wait)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
