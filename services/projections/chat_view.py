"""The chat's read models: hidden notes among the messages, invited colleagues, pins, ratings, canned replies.

A note is a message whose author is ``note``: the console shows it in the conversation, and the
widget's history, which selects only the customer's and the operators' messages, never does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.published_event import PublishedEvent
from services.tables import Connection


class Changes(Protocol):
    """What a batch changed, as the inbox's live updates collect it (``inbox_view.Changes``)."""

    conversations: set[UUID]
    messages: list[int]


NOTE = "note"


def _storable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


async def _note_added(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.messages (notification_id, conversation_id, message_id, author, manager_id, text, at)"  # noqa: S608 - checked schema
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        e.notification_id,
        e.aggregate_id,
        d["note_id"],
        NOTE,
        UUID(d["manager_id"]),
        _storable(d["text"]),
        datetime.fromisoformat(d["at"]),
    )
    ch.conversations.add(e.aggregate_id)
    ch.messages.append(e.notification_id)


def _participants(change: str) -> Callable[[Connection, str, PublishedEvent, Changes], Awaitable[None]]:
    async def handle(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
        await conn.execute(
            f"UPDATE {s}.conversations SET participants = {change} WHERE id = $1",  # noqa: S608 - fixed expressions
            e.aggregate_id,
            UUID(e.data["manager_id"]),
        )
        ch.conversations.add(e.aggregate_id)

    return handle


async def _customer_named(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    name = _storable(e.data.get("sender_name") or "")
    if name:  # the latest name the customer gave; a message without one keeps it
        await conn.execute(f"UPDATE {s}.conversations SET customer_name = $2 WHERE id = $1", e.aggregate_id, name)  # noqa: S608


async def _closed(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    by = e.data.get("by")
    await conn.execute(
        f"UPDATE {s}.conversations SET closed_by = $2, rating = NULL, rating_comment = '' WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        UUID(by) if by else None,
    )


async def _reopened(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    await conn.execute(f"UPDATE {s}.conversations SET status = 'open' WHERE id = $1", e.aggregate_id)  # noqa: S608
    ch.conversations.add(e.aggregate_id)


async def _rated(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    await conn.execute(
        f"UPDATE {s}.conversations SET rating = $2, rating_comment = $3 WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        int(e.data["rating"]),
        _storable(e.data["comment"]),
    )
    ch.conversations.add(e.aggregate_id)


def _pin(*, pinned: bool) -> Callable[[Connection, str, PublishedEvent, Changes], Awaitable[None]]:
    async def handle(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        manager, conversation = UUID(e.data["manager_id"]), UUID(e.data["conversation_id"])
        if pinned:
            await conn.execute(
                f"INSERT INTO {s}.pins (manager_id, conversation_id, pinned_at) VALUES ($1, $2, $3)"  # noqa: S608
                " ON CONFLICT DO NOTHING",
                manager,
                conversation,
                e.occurred_at,
            )
        else:
            await conn.execute(
                f"DELETE FROM {s}.pins WHERE manager_id = $1 AND conversation_id = $2",  # noqa: S608
                manager,
                conversation,
            )

    return handle


async def _canned_written(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    # A removed reply written again comes back, in its list under its shortcut.
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.canned_replies (id, owner, shortcut, text, updated_at) VALUES ($1, $2, $3, $4, $5)"  # noqa: S608
        " ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, updated_at = EXCLUDED.updated_at",
        e.aggregate_id,
        _storable(d["owner"]),
        _storable(d["shortcut"]),
        _storable(d["text"]),
        e.occurred_at,
    )


async def _canned_removed(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(f"DELETE FROM {s}.canned_replies WHERE id = $1", e.aggregate_id)  # noqa: S608


HANDLERS: dict[str, Any] = {
    "Conversation.NoteAdded": _note_added,
    "Conversation.ColleagueInvited": _participants("array_append(array_remove(participants, $2), $2)"),
    "Conversation.ColleagueLeft": _participants("array_remove(participants, $2)"),
    "Conversation.Reopened": _reopened,
    "Conversation.Rated": _rated,
    "Pinboard.ConversationPinned": _pin(pinned=True),
    "Pinboard.ConversationUnpinned": _pin(pinned=False),
    "CannedReply.Written": _canned_written,
    "CannedReply.Rewritten": _canned_written,
    "CannedReply.Removed": _canned_removed,
}

# Handlers that run after the inbox's own for the same event.
ALSO: dict[str, Any] = {
    "Conversation.CustomerWrote": _customer_named,
    "Conversation.Closed": _closed,
}
