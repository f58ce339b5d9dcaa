"""Creating our own tables safely while several processes start at once, and while others read them.

Each statement of the DDL runs in a transaction of its own, so that it never holds one table's lock
while it waits for another's: a reader that reads two tables can only wait for it, never deadlock
with it. A column, a statistics target or an index already in place is not asked for again, so that
a process starting takes no lock on a table that needs nothing, nor makes readers plan their
queries again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

if TYPE_CHECKING:
    Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy[asyncpg.Record]
else:  # the proxy is generic only in asyncpg's stubs
    Connection = asyncpg.Connection | PoolConnectionProxy

# Concurrent CREATE ... IF NOT EXISTS can still collide in Postgres's catalogs;
# one advisory lock makes the processes take turns.
DDL_LOCK = 0x5B0A_0002

_COMMENT = re.compile(r"--[^\n]*")
# Every table a statement makes or changes: CREATE TABLE, ALTER TABLE, and the table of CREATE INDEX.
_NAMED_TABLE = re.compile(
    r"(?:CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS|ALTER\s+TABLE|INDEX\s[^;]*?\sON)\s+([\w.]+)", re.IGNORECASE
)
_ANY_MADE = "SELECT coalesce(bool_or(to_regclass(t) IS NOT NULL), false) FROM unnest($1::text[]) AS t"
_ADDED_COLUMN = re.compile(r"ALTER\s+TABLE\s+(\S+)\s+ADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\s+(\w+)", re.IGNORECASE)
_STATISTICS = re.compile(r"ALTER\s+TABLE\s+(\S+)\s+ALTER\s+COLUMN\s+(\w+)\s+SET\s+STATISTICS\s+(\d+)$", re.IGNORECASE)
_NAMED_INDEX = re.compile(
    r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+ON\s+(?:(\w+)\.)?\w+", re.IGNORECASE
)


def statements(ddl: str) -> list[str]:
    """The statements of a DDL script, its comments left out (no statement may hold ``;`` or ``--`` in a string)."""
    return [statement.strip() for statement in _COMMENT.sub("", ddl).split(";") if statement.strip()]


async def _in_place(conn: Connection, statement: str) -> bool:
    """Whether a statement would find its work done: a column added, a column's statistics target, an index."""
    if column := _ADDED_COLUMN.match(statement):
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute"
                " WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped)",
                column[1],
                column[2],
            )
        )
    if target := _STATISTICS.match(statement):
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute"
                " WHERE attrelid = to_regclass($1) AND attname = $2 AND attstattarget = $3)",
                target[1],
                target[2],
                int(target[3]),
            )
        )
    if index := _NAMED_INDEX.match(statement):
        name = f"{index[2]}.{index[1]}" if index[2] else index[1]
        return bool(await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name))
    return False


async def ensure_tables(pool: asyncpg.Pool, ddl: str) -> None:
    """Run idempotent DDL, one process at a time, each statement on its own."""
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", DDL_LOCK)
        try:
            # Each statement commits on its own; one lost to a crash is made again at the next start.
            await conn.execute("SET synchronous_commit = off")
            if not await conn.fetchval(_ANY_MADE, sorted(set(_NAMED_TABLE.findall(_COMMENT.sub("", ddl))))):
                # None of its tables is there yet, so none is in use: all of it at once (a new schema).
                async with conn.transaction():
                    await conn.execute(ddl)
                return
            for statement in statements(ddl):
                if not await _in_place(conn, statement):
                    await conn.execute(statement)
        finally:
            await conn.execute("RESET synchronous_commit")
            await conn.execute("SELECT pg_advisory_unlock($1)", DDL_LOCK)
