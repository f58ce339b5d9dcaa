"""Reading the inbox read models for the console, filtered by role on the server."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.console.accounts import Operator
from services.console.paging import DEFAULT_PAGE, CursorShape, Page
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA

CONVERSATION_ROWS = (
    "SELECT id, channel, address, status, lead_id, manager_id, lead_status, offered_to, message_count,"  # noqa: S608 - fixed schema
    " last_message, last_message_at, opened_at, contact_id, participants, closed_by, rating, rating_comment,"
    # The customer by name, as their contact (or the one it was merged into) is called now; else as they said.
    f" COALESCE((SELECT COALESCE(survivor.name, ct.name) FROM {S}.contacts ct"
    f" LEFT JOIN {S}.contacts survivor ON survivor.id = ct.merged_into"
    f" WHERE ct.id = {S}.conversations.contact_id), NULLIF(customer_name, '')) AS customer_name"
    f" FROM {S}.conversations"
)
_MESSAGE = (
    "SELECT notification_id, conversation_id, message_id, author, manager_id, text, at, subject, attachments,"  # noqa: S608
    f" delivery, delivery_detail, edited_at FROM {S}.messages"
)
_JSON_COLUMNS = frozenset({"attachments"})


def sees(operator: Operator, row: asyncpg.Record) -> bool:
    """Whether the operator may see a conversation row: held, offered to them, invited in, or their role sees all."""
    return operator.may_see(row["manager_id"], [*row["offered_to"], *(row.get("participants") or ())])


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


CONVERSATIONS: CursorShape = ("at?", "id")
HISTORY: CursorShape = ("int",)
ACTIVITIES: CursorShape = ("at", "int")
REJECTIONS: CursorShape = ("at", "text", "int", "int")


async def conversations_by_id(pool: asyncpg.Pool, ids: list[UUID]) -> list[asyncpg.Record]:
    """Conversations by id (unfiltered: callers filter per operator)."""
    return list(await pool.fetch(f"{CONVERSATION_ROWS} WHERE id = ANY($1::uuid[])", ids))


async def messages_by_notification(pool: asyncpg.Pool, ids: list[int]) -> list[asyncpg.Record]:
    """Messages by their notification ids, with the conversation's manager."""
    return list(
        await pool.fetch(
            f"SELECT m.notification_id, m.conversation_id, m.message_id, m.author, m.manager_id AS author_id,"  # noqa: S608
            f" m.text, m.at, m.subject, m.attachments, m.delivery, m.delivery_detail, m.edited_at, c.manager_id,"
            " c.offered_to, c.participants"
            f" FROM {S}.messages m"
            f" JOIN {S}.conversations c ON c.id = m.conversation_id"
            " WHERE m.notification_id = ANY($1::bigint[]) ORDER BY m.notification_id",
            ids,
        )
    )


async def history(
    pool: asyncpg.Pool, operator: Operator, conversation_id: UUID, page: Page | None = None
) -> tuple[list[dict[str, Any]], str | None] | None:
    """A page of a conversation's messages and the cursor to the page before; None if not the operator's to see.

    The latest page comes first, each page oldest first, as a chat shows them.
    """
    page = page or Page(DEFAULT_PAGE)
    holder = await pool.fetchrow(
        f"SELECT manager_id, offered_to, participants FROM {S}.conversations WHERE id = $1",  # noqa: S608
        conversation_id,
    )
    if holder is None or not sees(operator, holder):
        return None
    before = page.after[0] if page.after is not None else None
    rows = await pool.fetch(
        f"{_MESSAGE} WHERE conversation_id = $1 AND ($2::bigint IS NULL OR notification_id < $2)"
        " ORDER BY notification_id DESC LIMIT $3",
        conversation_id,
        before,
        page.limit + 1,
    )
    given, cursor = page.of(rows, lambda r: (r["notification_id"],))
    return [plain(r) for r in reversed(given)], cursor


async def visitor_history(pool: asyncpg.Pool, conversation_id: UUID, limit: int = 200) -> list[dict[str, Any]]:
    """A web-chat visitor's own conversation as the widget shows it: who wrote, what, when; the latest last.

    Only what the visitor may see: the customer's messages and the operators' replies, each reply with
    its operator's name; no hidden note, no operator ids, no delivery details.
    """
    rows = await pool.fetch(
        "SELECT latest.message_id AS id, latest.author, latest.text, latest.at, COALESCE(mg.name, '') AS operator"  # noqa: S608
        f" FROM (SELECT * FROM {S}.messages WHERE conversation_id = $1 AND author IN ('customer', 'manager')"
        f" ORDER BY notification_id DESC LIMIT $2) latest LEFT JOIN {S}.managers mg ON mg.id = latest.manager_id"
        " ORDER BY latest.notification_id",
        conversation_id,
        limit,
    )
    return [plain(r) for r in rows]


async def activities(
    pool: asyncpg.Pool, operator: Operator, contact_id: UUID, page: Page | None = None, *, in_crm: bool = False
) -> tuple[list[dict[str, Any]], str | None] | None:
    """A page of a contact's activities (mail copied to the CRM), oldest first, and the cursor to the next.

    None if the operator may not see the contact: ``in_crm`` when the CRM's rule lets them see it (a
    manager their own, a head their department's, a director and an admin all); otherwise through its
    conversations, as the console shows them: a manager those they hold, a head and above any.
    """
    if not in_crm:
        holder = None if operator.role.sees_everything else operator.manager_id
        talks = await pool.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {S}.conversations WHERE contact_id = $1"  # noqa: S608
            " AND ($2::uuid IS NULL OR manager_id = $2))",
            contact_id,
            holder,
        )
        if not talks:
            return None
    page = page or Page(DEFAULT_PAGE)
    at, after = page.after if page.after is not None else (None, None)
    rows = await pool.fetch(
        "SELECT notification_id, kind, message_id, subject, text, manager_id, forwarded_by, attachments, at"  # noqa: S608
        f" FROM {S}.activities WHERE contact_id = $1"
        " AND ($2::timestamptz IS NULL OR (at, notification_id) > ($2, $3::bigint))"
        " ORDER BY at, notification_id LIMIT $4",
        contact_id,
        at,
        after,
        page.limit + 1,
    )
    given, cursor = page.of(rows, lambda r: (r["at"], r["notification_id"]))
    return [plain(r) for r in given], cursor


async def mail_rejections(pool: asyncpg.Pool, page: Page | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the mails not accepted (mailbox, place in the folder, reason), newest first, and the next cursor."""
    page = page or Page(DEFAULT_PAGE)
    if await pool.fetchval("SELECT to_regclass('mail_rejections')") is None:
        return [], None
    after = page.after or (None, None, None, None)
    rows = await pool.fetch(
        "SELECT mailbox, uidvalidity, uid, reason, detail, rejected_at FROM mail_rejections"
        " WHERE $1::timestamptz IS NULL"
        " OR (rejected_at, mailbox, uidvalidity, uid) < ($1, $2::text, $3::bigint, $4::bigint)"
        " ORDER BY rejected_at DESC, mailbox DESC, uidvalidity DESC, uid DESC LIMIT $5",
        *after,
        page.limit + 1,
    )
    given, cursor = page.of(rows, lambda r: (r["rejected_at"], r["mailbox"], r["uidvalidity"], r["uid"]))
    return [plain(r) for r in given], cursor
