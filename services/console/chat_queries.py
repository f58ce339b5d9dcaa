"""Reading the chat's own read models for the console: pins, canned replies, who may see a conversation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from domain.canned_reply import OPERATOR, TEAM
from services.console.accounts import Operator
from services.console.queries import plain, sees
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA


async def visible(pool: asyncpg.Pool, operator: Operator, conversation_id: UUID) -> bool:
    """Whether the operator may see the conversation (held, offered, invited, or their role sees all)."""
    row = await pool.fetchrow(
        f"SELECT manager_id, offered_to, participants FROM {S}.conversations WHERE id = $1",  # noqa: S608 - fixed schema
        conversation_id,
    )
    return row is not None and sees(operator, row)


async def pinned(pool: asyncpg.Pool, operator: Operator) -> list[str]:
    """The conversations the operator pinned and may still see, the latest pinned first."""
    rows = await pool.fetch(
        f"SELECT c.id, c.manager_id, c.offered_to, c.participants FROM {S}.pins p"  # noqa: S608
        f" JOIN {S}.conversations c ON c.id = p.conversation_id"
        " WHERE p.manager_id = $1 ORDER BY p.pinned_at DESC",
        operator.manager_id,
    )
    return [str(r["id"]) for r in rows if sees(operator, r)]


def own_list(operator: Operator) -> str:
    """The name of the operator's own list of canned replies."""
    return f"{OPERATOR}:{operator.manager_id}"


async def canned_replies(pool: asyncpg.Pool, operator: Operator) -> list[dict[str, Any]]:
    """The canned replies an operator may use: every team's and their own, by shortcut."""
    rows = await pool.fetch(
        f"SELECT id, owner, shortcut, text, updated_at FROM {S}.canned_replies"  # noqa: S608
        " WHERE owner = $1 OR owner LIKE $2 ORDER BY shortcut, owner",
        own_list(operator),
        f"{TEAM}:%",
    )
    return [plain(r) for r in rows]
