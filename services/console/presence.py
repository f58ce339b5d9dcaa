"""Whether a manager is online: consoles open on any gateway, not only on this one.

Each gateway counts its own open consoles per manager in ``console_seats``. A
manager is online while the seats of live gateways add up to one or more. The
count and the domain's online/offline change happen under one advisory lock
per manager, so two gateways opening and closing at once cannot leave the
manager in the wrong state. The seats of a gateway whose heartbeat stopped
(it crashed) are swept away by the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from uuid import UUID

import asyncpg
import structlog

from services.heartbeat import INTERVAL_SECONDS
from services.tables import ensure_tables

log = structlog.get_logger()

TABLES = """
CREATE TABLE IF NOT EXISTS console_seats (
    gateway text NOT NULL,
    manager_id uuid NOT NULL,
    seats integer NOT NULL,
    PRIMARY KEY (gateway, manager_id)
)
"""
STALE_AFTER_SECONDS = 5 * INTERVAL_SECONDS
Presence = Callable[[UUID], None]


class ConsolePresence:
    """Counts this gateway's consoles and tells the domain when a manager comes online or goes offline."""

    def __init__(self, pool: asyncpg.Pool, gateway: str, come_online: Presence, go_offline: Presence) -> None:
        self._pool = pool
        self._gateway = gateway
        self._come_online = come_online
        self._go_offline = go_offline

    async def start(self) -> None:
        """Create the table; this gateway starts with no seats."""
        await ensure_tables(self._pool, TABLES)
        await self._pool.execute("DELETE FROM console_seats WHERE gateway = $1", self._gateway)

    async def opened(self, manager_id: UUID) -> None:
        """A console of the manager opened here."""
        await self._count(manager_id, +1)

    async def closed(self, manager_id: UUID) -> None:
        """A console of the manager closed here."""
        await self._count(manager_id, -1)

    async def sweep(self) -> list[UUID]:
        """Forget the seats of gateways that stopped beating; returns the managers that went offline."""
        gone = await self._pool.fetch(
            "DELETE FROM console_seats s WHERE NOT EXISTS (SELECT 1 FROM service_heartbeats h"
            " WHERE h.instance = s.gateway AND h.beat_at > now() - make_interval(secs => $1))"
            " RETURNING manager_id",
            STALE_AFTER_SECONDS,
        )
        managers = {UUID(str(r["manager_id"])) for r in gone}
        return [manager_id for manager_id in managers if not await self._count(manager_id, 0)]

    async def sweep_forever(self, stop: asyncio.Event) -> None:
        """Sweep every few seconds until ``stop``."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), STALE_AFTER_SECONDS)
            try:
                for manager_id in await self.sweep():
                    log.info("manager_offline", manager_id=str(manager_id), why="their gateway stopped")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("presence_sweep_failed", error=str(error) or type(error).__name__)

    async def _count(self, manager_id: UUID, change: int) -> bool:
        """Apply ``change`` to this gateway's seats; make the domain agree with the total. True if online."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"presence:{manager_id}")
            if change:
                await conn.execute(
                    "INSERT INTO console_seats (gateway, manager_id, seats) VALUES ($1, $2, greatest($3, 0))"
                    " ON CONFLICT (gateway, manager_id) DO UPDATE"
                    " SET seats = greatest(console_seats.seats + $3, 0)",
                    self._gateway,
                    manager_id,
                    change,
                )
            total: int = await conn.fetchval(
                "SELECT coalesce(sum(seats), 0) FROM console_seats WHERE manager_id = $1", manager_id
            )
            online, was_online = total > 0, total - change > 0
            # Still under the lock, so the domain follows the counts in the order they changed; only a
            # change between none and some consoles is news to it.
            if online != was_online or not change:
                await asyncio.to_thread(self._come_online if online else self._go_offline, manager_id)
        return online
