"""Writes held back and sent together keep, for every table, the order they were made in."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from services.projections.combined_writes import CombinedWrites
from services.tables import Connection


class Recording:
    """A connection that records what it was sent, one entry per round trip."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[tuple[Any, ...]]]] = []

    async def execute(self, sql: str, *args: Any) -> str:
        self.sent.append((sql, [args]))
        return "OK"

    async def executemany(self, sql: str, args: list[tuple[Any, ...]]) -> None:
        self.sent.append((sql, list(args)))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.sent.append((sql, [args]))
        return 1


INSERT_MESSAGE = "INSERT INTO s.messages VALUES ($1)"
UPDATE_CONVERSATION = "UPDATE s.conversations SET n = n + 1 WHERE id = $1"
INSERT_TIMELINE = "INSERT INTO s.timeline VALUES ($1)"


def test_writes_to_one_table_run_together_in_their_order_and_before_what_reads_them() -> None:
    conn = Recording()
    writes = CombinedWrites(cast("Connection", conn), "s")

    async def events() -> None:
        for n in range(3):
            await writes.execute(INSERT_MESSAGE, n)
            await writes.execute(UPDATE_CONVERSATION, n)
            await writes.executemany(INSERT_TIMELINE, [(n, "contact"), (n, "lead")])
        assert conn.sent == []
        await writes.fetchval("SELECT n FROM s.conversations WHERE id = $1", 2)
        await writes.execute(UPDATE_CONVERSATION, 3)
        await writes.flush()

    asyncio.run(events())

    assert conn.sent == [
        (UPDATE_CONVERSATION, [(0,), (1,), (2,)]),
        ("SELECT n FROM s.conversations WHERE id = $1", [(2,)]),
        (INSERT_MESSAGE, [(0,), (1,), (2,)]),
        (INSERT_TIMELINE, [(n, kind) for n in range(3) for kind in ("contact", "lead")]),
        (UPDATE_CONVERSATION, [(3,)]),
    ]


def test_a_statement_on_a_table_after_another_kind_of_statement_on_it_waits_its_turn() -> None:
    conn = Recording()
    writes = CombinedWrites(cast("Connection", conn), "s")
    insert = "INSERT INTO s.conversations VALUES ($1)"

    async def events() -> None:
        await writes.execute(insert, 1)
        await writes.execute(UPDATE_CONVERSATION, 1)
        await writes.execute(insert, 2)  # may not join the first insert: the update comes between
        await writes.fetchval("SELECT n FROM s.messages")  # reads no table those touch
        await writes.flush()

    asyncio.run(events())

    assert conn.sent == [
        ("SELECT n FROM s.messages", [()]),
        (insert, [(1,)]),
        (UPDATE_CONVERSATION, [(1,)]),
        (insert, [(2,)]),
    ]
