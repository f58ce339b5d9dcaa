"""Reading the chat's own read models for the console: pins, canned replies, colleagues, who may see a conversation."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import asyncpg

from application.event_store import EventStore
from application.pin_conversation import pins_of
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


async def pinned(pool: asyncpg.Pool, store: EventStore, operator: Operator) -> list[str]:
    """The conversations the operator pinned and may still see, the latest pinned first.

    The pins are read from the event store, not the read model: a console opened right after a pin
    (a reload) shows it even before the projection has applied it.
    """
    pins = await asyncio.to_thread(pins_of, store, operator.manager_id)
    rows = await pool.fetch(
        f"SELECT id, manager_id, offered_to, participants FROM {S}.conversations WHERE id = ANY($1::uuid[])",  # noqa: S608
        pins,
    )
    seen = {r["id"] for r in rows if sees(operator, r)}
    return [str(p) for p in pins if p in seen]


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


async def colleagues(pool: asyncpg.Pool) -> dict[str, Any]:
    """Everyone a conversation may be transferred to or shared with, by name, and every team.

    Each colleague with their work day, load and teams, so the console can say who is at work and
    which conversations are the operator's team's; names and work days only, nothing of their leads.
    """
    people = await pool.fetch(
        "SELECT m.id, m.name, m.work_day, m.open_leads, m.capacity,"  # noqa: S608 - fixed schema
        f" COALESCE(ARRAY(SELECT t.name FROM {S}.team_members tm JOIN {S}.teams t ON t.id = tm.team_id"
        f" WHERE tm.manager_id = m.id ORDER BY t.name), '{{}}') AS teams"
        f" FROM {S}.managers m ORDER BY m.name, m.id"
    )
    teams = await pool.fetch(f"SELECT name FROM {S}.teams ORDER BY name")  # noqa: S608
    return {"colleagues": [plain(r) for r in people], "teams": [r["name"] for r in teams]}
