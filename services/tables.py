"""Creating our own tables safely while several processes start at once, and while others read them.

Each statement of the DDL runs in a transaction of its own, so that it never holds one table's lock
while it waits for another's: a reader that reads two tables can only wait for it, never deadlock
with it. A column, a statistics target or an index already in place is not asked for again, so that
a process starting takes no lock on a table that needs nothing, nor makes readers plan their
queries again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
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
_SCHEMA = re.compile(r"CREATE\s+SCHEMA\s+IF\s+NOT\s+EXISTS\s+(\w+)$", re.IGNORECASE)
_TABLE = re.compile(r"CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+([\w.]+)", re.IGNORECASE)
_ADDED_COLUMN = re.compile(r"ALTER\s+TABLE\s+(\S+)\s+ADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\s+(\w+)", re.IGNORECASE)
_STATISTICS = re.compile(r"ALTER\s+TABLE\s+(\S+)\s+ALTER\s+COLUMN\s+(\w+)\s+SET\s+STATISTICS\s+(\d+)$", re.IGNORECASE)
_NAMED_INDEX = re.compile(
    r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+ON\s+(?:(\w+)\.)?\w+", re.IGNORECASE
)
# Whether each statement would find its work done, in one query: (kind, name, column, statistics target).
_DONE = """
SELECT array_agg(CASE kind
    WHEN 'schema' THEN to_regnamespace(name) IS NOT NULL
    WHEN 'relation' THEN to_regclass(name) IS NOT NULL
    WHEN 'column' THEN EXISTS (SELECT 1 FROM pg_attribute
        WHERE attrelid = to_regclass(name) AND attname = col AND NOT attisdropped)
    WHEN 'statistics' THEN EXISTS (SELECT 1 FROM pg_attribute
        WHERE attrelid = to_regclass(name) AND attname = col AND attstattarget = target)
    ELSE false END ORDER BY n)
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS checks (kind, name, col, target, n)
"""


def statements(ddl: str) -> list[str]:
    """The statements of a DDL script, its comments left out (no statement may hold ``;`` or ``--`` in a string)."""
    return [statement.strip() for statement in _COMMENT.sub("", ddl).split(";") if statement.strip()]


@dataclass(frozen=True)
class _Script:
    """A DDL script's statements, how to tell each one's work is done, and the tables it names."""

    statements: tuple[str, ...]
    checks: tuple[list[str | None], list[str | None], list[str | None], list[int | None]]
    tables: tuple[str, ...]


@functools.lru_cache(maxsize=256)
def _script(ddl: str) -> _Script:
    found = statements(ddl)
    kinds: list[str | None] = []
    names: list[str | None] = []
    columns: list[str | None] = []
    targets: list[int | None] = []
    for statement in found:
        kind, name, column, target = _check(statement)
        kinds.append(kind)
        names.append(name)
        columns.append(column)
        targets.append(target)
    tables = tuple(sorted(set(_NAMED_TABLE.findall(_COMMENT.sub("", ddl)))))
    return _Script(tuple(found), (kinds, names, columns, targets), tables)


def _check(statement: str) -> tuple[str | None, str | None, str | None, int | None]:
    """How to tell the statement's work is done: a schema, a table or an index there, a column, a target."""
    if schema := _SCHEMA.match(statement):
        return "schema", schema[1], None, None
    if table := _TABLE.match(statement):
        return "relation", table[1], None, None
    if column := _ADDED_COLUMN.match(statement):
        return "column", column[1], column[2], None
    if target := _STATISTICS.match(statement):
        return "statistics", target[1], target[2], int(target[3])
    if index := _NAMED_INDEX.match(statement):
        return "relation", f"{index[2]}.{index[1]}" if index[2] else index[1], None, None
    return None, None, None, None  # nothing to tell by: it is run


async def _done(conn: Connection, script: _Script) -> list[bool]:
    return list(await conn.fetchval(_DONE, *script.checks) or [])


async def ensure_tables(pool: asyncpg.Pool, ddl: str) -> None:
    """Run idempotent DDL, one process at a time, each statement on its own; nothing if all of it is done."""
    script = _script(ddl)
    async with pool.acquire() as conn:
        if all(await _done(conn, script)):
            return  # the usual start: one query, no lock
        await conn.execute("SELECT pg_advisory_lock($1)", DDL_LOCK)
        try:
            # Each statement commits on its own; one lost to a crash is made again at the next start.
            await conn.execute("SET synchronous_commit = off")
            if not await conn.fetchval(_ANY_MADE, list(script.tables)):
                # None of its tables is there yet, so none is in use: all of it at once (a new schema).
                async with conn.transaction():
                    await conn.execute(ddl)
                return
            for statement, done in zip(script.statements, await _done(conn, script), strict=True):
                if not done:
                    await conn.execute(statement)
        finally:
            await conn.execute("RESET synchronous_commit")
            await conn.execute("SELECT pg_advisory_unlock($1)", DDL_LOCK)
