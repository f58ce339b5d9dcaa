"""Reading the inbox read models for the console, filtered by role on the server."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.console.accounts import Operator
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA

_CONVERSATION = (
    "SELECT id, channel, address, status, lead_id, manager_id, lead_status, offered_to, message_count,"  # noqa: S608 - fixed schema
    f" last_message, last_message_at, opened_at FROM {S}.conversations"
)
_MESSAGE = (
    "SELECT notification_id, conversation_id, message_id, author, manager_id, text, at, subject, attachments,"  # noqa: S608
    f" delivery, delivery_detail, edited_at FROM {S}.messages"
)
_JSON_COLUMNS = frozenset({"attachments"})


def plain(row: asyncpg.Record) -> dict[str, Any]:
    """A row as JSON-ready data."""
    return {key: json.loads(value) if key in _JSON_COLUMNS else _json_ready(value) for key, value in row.items()}


def _json_ready(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


async def visible_conversations(pool: asyncpg.Pool, operator: Operator, limit: int = 200) -> list[dict[str, Any]]:
    """The operator's conversations, newest activity first."""
    if operator.role.sees_everything:
        rows = await pool.fetch(f"{_CONVERSATION} ORDER BY last_message_at DESC NULLS LAST LIMIT $1", limit)
    else:
        rows = await pool.fetch(
            f"{_CONVERSATION} WHERE manager_id = $1 OR $1 = ANY(offered_to)"
            " ORDER BY last_message_at DESC NULLS LAST LIMIT $2",
            operator.manager_id,
            limit,
        )
    return [plain(r) for r in rows]


async def conversations_by_id(pool: asyncpg.Pool, ids: list[UUID]) -> list[asyncpg.Record]:
    """Conversations by id (unfiltered: callers filter per operator)."""
    return list(await pool.fetch(f"{_CONVERSATION} WHERE id = ANY($1::uuid[])", ids))


async def messages_by_notification(pool: asyncpg.Pool, ids: list[int]) -> list[asyncpg.Record]:
    """Messages by their notification ids, with the conversation's manager."""
    return list(
        await pool.fetch(
            f"SELECT m.notification_id, m.conversation_id, m.message_id, m.author, m.manager_id AS author_id,"  # noqa: S608
            f" m.text, m.at, m.subject, m.attachments, m.delivery, m.delivery_detail, m.edited_at, c.manager_id,"
            " c.offered_to"
            f" FROM {S}.messages m"
            f" JOIN {S}.conversations c ON c.id = m.conversation_id"
            " WHERE m.notification_id = ANY($1::bigint[]) ORDER BY m.notification_id",
            ids,
        )
    )


async def history(pool: asyncpg.Pool, operator: Operator, conversation_id: UUID) -> list[dict[str, Any]] | None:
    """A conversation's messages, or None if the operator may not see it."""
    holder = await pool.fetchrow(f"SELECT manager_id, offered_to FROM {S}.conversations WHERE id = $1", conversation_id)  # noqa: S608
    if holder is None or not operator.may_see(holder["manager_id"], holder["offered_to"]):
        return None
    rows = await pool.fetch(f"{_MESSAGE} WHERE conversation_id = $1 ORDER BY notification_id", conversation_id)
    return [plain(r) for r in rows]


async def visitor_history(pool: asyncpg.Pool, conversation_id: UUID, limit: int = 200) -> list[dict[str, Any]]:
    """A web-chat visitor's own conversation as the widget shows it: who wrote, what, when; the latest last.

    Only what the visitor may see: no operator ids, no delivery details.
    """
    rows = await pool.fetch(
        f"SELECT message_id AS id, author, text, at FROM (SELECT * FROM {S}.messages WHERE conversation_id = $1"  # noqa: S608
        " ORDER BY notification_id DESC LIMIT $2) latest ORDER BY notification_id",
        conversation_id,
        limit,
    )
    return [plain(r) for r in rows]


async def activities(pool: asyncpg.Pool, operator: Operator, contact_id: UUID) -> list[dict[str, Any]] | None:
    """A contact's activities (mail copied to the CRM), or None if the operator may not see the contact.

    Heads and above see every contact; a manager sees the contacts of the conversations they hold.
    """
    if not operator.role.sees_everything:
        holds = await pool.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {S}.conversations WHERE contact_id = $1 AND manager_id = $2)",  # noqa: S608
            contact_id,
            operator.manager_id,
        )
        if not holds:
            return None
    rows = await pool.fetch(
        "SELECT notification_id, kind, message_id, subject, text, manager_id, forwarded_by, attachments, at"  # noqa: S608
        f" FROM {S}.activities WHERE contact_id = $1 ORDER BY at, notification_id",
        contact_id,
    )
    return [plain(r) for r in rows]


async def mail_rejections(pool: asyncpg.Pool, limit: int = 500) -> list[dict[str, Any]]:
    """The mails that were not accepted, newest first: mailbox, place in the folder, reason."""
    if await pool.fetchval("SELECT to_regclass('mail_rejections')") is None:
        return []
    rows = await pool.fetch(
        "SELECT mailbox, uidvalidity, uid, reason, detail, rejected_at FROM mail_rejections"
        " ORDER BY rejected_at DESC, uid DESC LIMIT $1",
        limit,
    )
    return [plain(r) for r in rows]
