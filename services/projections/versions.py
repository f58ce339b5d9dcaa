"""Versions of the read models: the live one readers use, the next one a replay builds, the previous one kept.

Readers name the live schema's tables (``read_models_v11.deals``) and nothing else. A replay fills
the same tables in the next schema; the switch then moves each replayed table of the live schema to
the previous schema and the new one into the live schema, in one transaction that holds the tables'
locks: a query runs wholly before it, on the old tables, or wholly after, on the new.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from services.projections.read_models import READ_MODELS
from services.projections.schema import LIVE_SCHEMA, checked, create_read_models
from services.tables import Connection, ensure_tables

NEXT_SCHEMA = f"{LIVE_SCHEMA}_next"
PREVIOUS_SCHEMA = f"{LIVE_SCHEMA}_previous"
SHOWN_ROWS = 20  # differing rows printed per table; the count says how many there are

_REPLAY_TABLE = """
CREATE TABLE IF NOT EXISTS {s}.replay (
    read_models text[] PRIMARY KEY,
    notification_id bigint NOT NULL,
    target bigint NOT NULL,
    events_per_second double precision NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


class ReplayUnderWay(RuntimeError):
    """The next version is being built for other read models than the ones asked for."""


@dataclass(frozen=True)
class Checkpoint:
    """How far a replay has built the next version, and of which read models."""

    read_models: tuple[str, ...]
    notification_id: int
    target: int


@dataclass(frozen=True)
class DifferingRow:
    """A row one version of a table has and the other has not (a changed row is one of each)."""

    table: str
    version: str  # "live" or "new"
    row: dict[str, object]


async def begin(pool: asyncpg.Pool, read_models: tuple[str, ...], *, restart: bool = False) -> Checkpoint:
    """The checkpoint of the replay of ``read_models``: where a stopped one was, or the start of the log."""
    if restart:
        await drop(pool, NEXT_SCHEMA)
    await create_read_models(pool, NEXT_SCHEMA, indexes=False)
    await ensure_tables(pool, _REPLAY_TABLE.format(s=NEXT_SCHEMA))
    found = await checkpoint(pool)
    if found is not None and found.read_models != read_models:
        msg = (
            f"a replay of {', '.join(found.read_models)} is under way in {NEXT_SCHEMA}"
            f" (at notification {found.notification_id}); run it again for the same read models, or with --restart"
        )
        raise ReplayUnderWay(msg)
    if found is None:
        await pool.execute(
            f"INSERT INTO {NEXT_SCHEMA}.replay (read_models, notification_id, target) VALUES ($1, 0, 0)",  # noqa: S608
            list(read_models),
        )
        return Checkpoint(read_models, 0, 0)
    return found


async def checkpoint(conn: Connection | asyncpg.Pool) -> Checkpoint | None:
    """The replay under way, if any."""
    if await conn.fetchval("SELECT to_regclass($1)", f"{NEXT_SCHEMA}.replay") is None:
        return None
    row = await conn.fetchrow(f"SELECT read_models, notification_id, target FROM {NEXT_SCHEMA}.replay")  # noqa: S608
    if row is None:
        return None
    return Checkpoint(tuple(row["read_models"]), row["notification_id"], row["target"])


async def record(conn: Connection, notification_id: int, target: int, events_per_second: float) -> None:
    """Store how far the replay got, in the transaction of what it applied."""
    await conn.execute(
        f"UPDATE {NEXT_SCHEMA}.replay SET notification_id = $1, target = $2, events_per_second = $3,"  # noqa: S608
        " updated_at = now()",
        notification_id,
        target,
        events_per_second,
    )


def tables_of(read_models: tuple[str, ...]) -> tuple[str, ...]:
    """The tables of the named read models."""
    return tuple(table for model in READ_MODELS if model.name in read_models for table in model.tables)


async def analyze(pool: asyncpg.Pool, tables: tuple[str, ...]) -> None:
    """Gather the planner's statistics of the next version's ``tables``, two at a time.

    Tables filled by a replay have none until autovacuum comes by: without them the planner guesses,
    and a query that should read one lead's messages by index reads every message instead.
    """
    left = list(tables)

    async def gather_some() -> None:
        async with pool.acquire() as conn:
            while left:
                await conn.execute(f"ANALYZE {NEXT_SCHEMA}.{left.pop()}")

    await asyncio.gather(gather_some(), gather_some())


async def put_in_place(conn: Connection, tables: tuple[str, ...], lock_timeout_ms: int) -> None:
    """Make the next version's ``tables`` the live ones; the live ones become the previous version.

    Runs inside the caller's transaction. The tables are locked first, all at once or none: the
    switch never holds one table while it waits for another, so a reader that holds one table and
    asks for a second one waits the switch out rather than deadlocking with it. A reader holding
    any of them makes the switch let go of all and ask again; past ``lock_timeout_ms`` of asking it
    raises ``asyncpg.LockNotAvailableError``, and the caller tries again later.
    """
    live, previous = checked(LIVE_SCHEMA), checked(PREVIOUS_SCHEMA)
    await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {previous}")
    await _lock_all(conn, [f"{live}.{table}" for table in tables], lock_timeout_ms)
    for table in tables:
        await conn.execute(f"DROP TABLE IF EXISTS {previous}.{table}")
        await conn.execute(f"ALTER TABLE {live}.{table} SET SCHEMA {previous}")
        await conn.execute(f"ALTER TABLE {NEXT_SCHEMA}.{table} SET SCHEMA {live}")
    await conn.execute(f"DROP SCHEMA {NEXT_SCHEMA} CASCADE")


_LOCK_PAUSE = 0.005  # seconds between asks: readers of the live tables hold them for a query's length


async def _lock_all(conn: Connection, tables: list[str], timeout_ms: int) -> None:
    """Lock ``tables`` for the caller's transaction, each only while every other one is free too."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout_ms / 1000
    while True:
        try:
            async with conn.transaction():  # a savepoint: the locks of a failed ask are let go with it
                await conn.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE NOWAIT")
        except asyncpg.LockNotAvailableError:
            if loop.time() >= give_up:
                raise
            await asyncio.sleep(_LOCK_PAUSE)
        else:
            return


async def differing_rows(
    conn: Connection | asyncpg.Pool, live: str, new: str, tables: tuple[str, ...]
) -> dict[str, tuple[int, list[DifferingRow]]]:
    """Per table whose versions differ: how many rows differ, and the first ``SHOWN_ROWS`` of them."""
    found: dict[str, tuple[int, list[DifferingRow]]] = {}
    for table in tables:
        a, b = f"{checked(live)}.{table}", f"{checked(new)}.{table}"
        rows = await conn.fetch(
            f"SELECT 'live' AS version, d.* FROM (TABLE {a} EXCEPT ALL TABLE {b}) d"  # noqa: S608 - checked names
            f" UNION ALL SELECT 'new', d.* FROM (TABLE {b} EXCEPT ALL TABLE {a}) d"
        )
        if rows:
            # The first column says which version; the table may have a column of that name too.
            shown = [DifferingRow(table, row[0], dict(list(row.items())[1:])) for row in rows[:SHOWN_ROWS]]
            found[table] = (len(rows), shown)
    return found


async def drop(conn: Connection | asyncpg.Pool, schema: str) -> bool:
    """Drop a version that is not live; True if there was one."""
    if checked(schema) == LIVE_SCHEMA:
        msg = "the live read models are never dropped"
        raise ValueError(msg)
    existed = await conn.fetchval("SELECT to_regnamespace($1) IS NOT NULL", schema)
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return bool(existed)
