"""Creating our own tables safely while several processes start at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

if TYPE_CHECKING:
    Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy[asyncpg.Record]
else:  # the proxy is generic only in asyncpg's stubs
    Connection = asyncpg.Connection | PoolConnectionProxy

# Concurrent CREATE ... IF NOT EXISTS can still collide in Postgres's catalogs;
# one transaction-scoped advisory lock makes the processes take turns.
DDL_LOCK = 0x5B0A_0002


async def ensure_tables(pool: asyncpg.Pool, ddl: str) -> None:
    """Run idempotent DDL, one process at a time."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", DDL_LOCK)
        await conn.execute(ddl)
