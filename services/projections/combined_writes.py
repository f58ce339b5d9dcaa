"""Writes held back and sent together: a replay's projectors, with far fewer round trips to PostgreSQL.

A replay applies thousands of events in one transaction, each a few statements, and on a busy
machine it spends its time waiting for each statement's answer. Statements whose answer is not
needed (``execute``, ``executemany``) are held instead, and the same statement's arguments run
together as one ``executemany``, which asyncpg sends in one round trip. Order is kept where it
matters: a statement joins an earlier group of the same text only if nothing held after that group
touches its tables, and before a query that reads (``fetch*``) every held statement that touches
what it reads runs, with those it must follow. Each statement names its tables as ``schema.table``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.tables import Connection


@dataclass
class _Held:
    sql: str
    tables: frozenset[str]
    args: list[tuple[Any, ...]] = field(default_factory=list)


class CombinedWrites:
    """The subset of an asyncpg connection the projectors use, holding writes until they are needed."""

    def __init__(self, conn: Connection, schema: str) -> None:
        self._conn = conn
        self._names = re.compile(rf"\b{re.escape(schema)}\.(\w+)")
        self._held: list[_Held] = []
        self._tables: dict[str, frozenset[str]] = {}

    async def execute(self, sql: str, *args: Any) -> str:  # noqa: ANN401 - any SQL argument
        """Hold the statement (run at once when it names no table: nothing can be said of its order)."""
        tables = self._touched(sql)
        if not tables:
            await self.flush()
            return str(await self._conn.execute(sql, *args))
        self._hold(sql, tables, [tuple(args)])
        return ""

    async def executemany(self, sql: str, args: Any) -> None:  # noqa: ANN401 - an iterable of argument tuples
        """Hold every row of the statement."""
        tables = self._touched(sql)
        if not tables:
            await self.flush()
            await self._conn.executemany(sql, args)
            return
        self._hold(sql, tables, [tuple(row) for row in args])

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:  # noqa: ANN401
        """Run what the query must see, then the query."""
        await self._before(sql)
        return list(await self._conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:  # noqa: ANN401
        """Run what the query must see, then the query."""
        await self._before(sql)
        return await self._conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:  # noqa: ANN401
        """Run what the query must see, then the query."""
        await self._before(sql)
        return await self._conn.fetchval(sql, *args)

    async def flush(self) -> None:
        """Run every held statement, in order."""
        held, self._held = self._held, []
        for group in held:
            await self._run(group)

    def _touched(self, sql: str) -> frozenset[str]:
        found = self._tables.get(sql)
        if found is None:
            found = self._tables[sql] = frozenset(self._names.findall(sql))
        return found

    def _hold(self, sql: str, tables: frozenset[str], args: list[tuple[Any, ...]]) -> None:
        for group in reversed(self._held):
            if group.tables & tables:
                if group.sql == sql:
                    group.args += args
                    return
                break
        self._held.append(_Held(sql, tables, args))

    async def _before(self, sql: str) -> None:
        """Run the held statements touching ``sql``'s tables, and those they must follow, in order."""
        needed = set(self._touched(sql))
        if not needed:
            await self.flush()
            return
        run: list[_Held] = []
        kept: list[_Held] = []
        for group in reversed(self._held):
            if group.tables & needed:
                run.append(group)
                needed |= group.tables
            else:
                kept.append(group)
        self._held = kept[::-1]
        for group in reversed(run):
            await self._run(group)

    async def _run(self, group: _Held) -> None:
        if len(group.args) == 1:
            await self._conn.execute(group.sql, *group.args[0])
        else:
            await self._conn.executemany(group.sql, group.args)
