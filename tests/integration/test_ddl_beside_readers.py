"""Making tables and switching read-model versions while readers hold them: readers wait, never fail.

PostgreSQL breaks a deadlock by failing one side, and a reader's query that fails is an error in
someone's console. A reader locks the tables of its query one after another, in its own order; so
whatever locks live tables beside readers must never hold one of them while it waits for another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from services.projections import versions
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.tables import ensure_tables

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]

WAIT = 30  # seconds: a deadlock is found after one (deadlock_timeout), a wait without one never ends


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WAIT):
        while not await check():
            await asyncio.sleep(0.01)


async def _waiting_for_a_lock(pool: asyncpg.Pool, pid: int) -> bool:
    return bool(await pool.fetchval("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)", pid))


async def test_a_process_starting_takes_no_lock_that_readers_or_writers_wait_for(database_pool: asyncpg.Pool) -> None:
    pool = database_pool
    await create_read_models(pool, LIVE_SCHEMA)
    tables = [
        f"{LIVE_SCHEMA}.{row['tablename']}"
        for row in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", LIVE_SCHEMA)
    ]
    async with pool.acquire() as busy, busy.transaction():
        # A writer's lock on every live table, held through the start: it conflicts with any change
        # of a table (ALTER TABLE, CREATE INDEX), so none may be asked for where none is needed.
        await busy.execute(f"LOCK TABLE {', '.join(tables)} IN ROW EXCLUSIVE MODE")
        await asyncio.wait_for(create_read_models(pool, LIVE_SCHEMA), WAIT)


async def test_ddl_never_holds_one_table_while_it_waits_for_another(database_pool: asyncpg.Pool) -> None:
    pool = database_pool
    await pool.execute("CREATE SCHEMA scratch; CREATE TABLE scratch.a (n int); CREATE TABLE scratch.b (n int)")
    changes = (
        "ALTER TABLE scratch.b ADD COLUMN IF NOT EXISTS x int; ALTER TABLE scratch.a ADD COLUMN IF NOT EXISTS x int"
    )
    async with pool.acquire() as reader:
        async with reader.transaction():
            await reader.fetch("SELECT * FROM scratch.a")  # the reader holds a, then reads b
            changing = asyncio.create_task(ensure_tables(pool, changes))
            ddl = await _ddl_backend(pool)
            await _until(lambda: _waiting_for_a_lock(pool, ddl))  # on a, which the reader holds
            # Holding b while waiting for a, the DDL would deadlock with this read, and one side would fail.
            await asyncio.wait_for(reader.fetch("SELECT * FROM scratch.b"), WAIT)
        await asyncio.wait_for(changing, WAIT)
    added = await pool.fetch(
        "SELECT attrelid::regclass::text AS t FROM pg_attribute WHERE attname = 'x' AND NOT attisdropped"
        " AND attrelid IN ('scratch.a'::regclass, 'scratch.b'::regclass) ORDER BY 1"
    )
    assert [row["t"] for row in added] == ["scratch.a", "scratch.b"]


async def _ddl_backend(pool: asyncpg.Pool) -> int:
    """The server process of the connection running the DDL: the one holding the DDL's advisory lock."""
    found: list[int] = []

    async def holding() -> bool:
        pid = await pool.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        found.extend([pid] if pid else [])
        return bool(found)

    await _until(holding)
    return found[0]


async def test_the_switch_never_holds_one_table_while_it_waits_for_another(database_pool: asyncpg.Pool) -> None:
    pool = database_pool
    await create_read_models(pool, LIVE_SCHEMA)
    await create_read_models(pool, versions.NEXT_SCHEMA)
    await pool.execute(f"INSERT INTO {versions.NEXT_SCHEMA}.pins VALUES (gen_random_uuid(), gen_random_uuid(), now())")
    # The switch locks conversations before contacts; this reader reads contacts, then conversations.
    tables = ("conversations", "pins", "contacts")
    async with pool.acquire() as reader, pool.acquire() as switch:
        switch_pid = switch.get_server_pid()

        async def switching() -> None:
            async with switch.transaction():
                await versions.put_in_place(switch, tables, lock_timeout_ms=WAIT * 1000)

        async with reader.transaction():
            await reader.fetch(f"SELECT * FROM {LIVE_SCHEMA}.contacts")
            switched = asyncio.create_task(switching())
            await _until(lambda: _has_asked(pool, switch_pid))
            await asyncio.wait_for(reader.fetch(f"SELECT * FROM {LIVE_SCHEMA}.conversations"), WAIT)
        await asyncio.wait_for(switched, WAIT)
    assert await pool.fetchval(f"SELECT count(*) FROM {LIVE_SCHEMA}.pins") == 1, "the next version is live"


async def _has_asked(pool: asyncpg.Pool, pid: int) -> bool:
    """Whether the switch has asked for the tables' locks and not had them all (a reader holds one)."""
    query = await pool.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    return bool(query) and query.startswith(("LOCK TABLE", "ROLLBACK TO"))
