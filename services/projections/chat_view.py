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
from services.projections.rows import Rows


class Changes(Protocol):
    """What a batch changed, as the inbox's live updates collect it (``inbox_view.Changes``)."""

    conversations: set[UUID]
    messages: list[int]


NOTE = "note"


def _storable(text: str) -> str:
    if text.isascii() and "\x00" not in text:
        return text
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


async def _note_added(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    note = rows.new_row(
        "messages",
        notification_id=e.notification_id,
        conversation_id=e.aggregate_id,
        message_id=d["note_id"],
        author=NOTE,
        manager_id=UUID(d["manager_id"]),
        text=_storable(d["text"]),
        at=datetime.fromisoformat(d["at"]),
    )
    await rows.insert("messages", note, fresh=True)
    ch.conversations.add(e.aggregate_id)
    ch.messages.append(e.notification_id)


def _participants(*, invited: bool) -> Callable[[Rows, PublishedEvent, Changes], Awaitable[None]]:
    async def handle(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
        manager = UUID(e.data["manager_id"])
        conversation = await rows.get("conversations", e.aggregate_id)
        if conversation is not None:
            others = [m for m in conversation["participants"] if m != manager]
            rows.replace("conversations", conversation, participants=[*others, manager] if invited else others)
        ch.conversations.add(e.aggregate_id)

    return handle


async def _customer_named(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    name = _storable(e.data.get("sender_name") or "")
    if name:  # the latest name the customer gave; a message without one keeps it
        await rows.update("conversations", e.aggregate_id, customer_name=name)


async def _closed(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    by = e.data.get("by")
    await rows.update(
        "conversations", e.aggregate_id, closed_by=UUID(by) if by else None, rating=None, rating_comment=""
    )


async def _reopened(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    await rows.update("conversations", e.aggregate_id, status="open")
    ch.conversations.add(e.aggregate_id)


async def _rated(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    await rows.update(
        "conversations", e.aggregate_id, rating=int(e.data["rating"]), rating_comment=_storable(e.data["comment"])
    )
    ch.conversations.add(e.aggregate_id)


def _pin(*, pinned: bool) -> Callable[[Rows, PublishedEvent, Changes], Awaitable[None]]:
    async def handle(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        manager, conversation = UUID(e.data["manager_id"]), UUID(e.data["conversation_id"])
        if pinned:
            pin = rows.new_row("pins", manager_id=manager, conversation_id=conversation, pinned_at=e.occurred_at)
            await rows.insert("pins", pin)
        else:
            await rows.delete("pins", manager, conversation)

    return handle


async def _canned_written(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    # A removed reply written again comes back, in its list under its shortcut.
    d = e.data
    current = await rows.get("canned_replies", e.aggregate_id)
    text = _storable(d["text"])
    if current is not None:
        rows.replace("canned_replies", current, text=text, updated_at=e.occurred_at)
        return
    reply = rows.new_row(
        "canned_replies",
        id=e.aggregate_id,
        owner=_storable(d["owner"]),
        shortcut=_storable(d["shortcut"]),
        text=text,
        updated_at=e.occurred_at,
    )
    await rows.put("canned_replies", reply)


async def _canned_removed(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await rows.delete("canned_replies", e.aggregate_id)


HANDLERS: dict[str, Any] = {
    "Conversation.NoteAdded": _note_added,
    "Conversation.ColleagueInvited": _participants(invited=True),
    "Conversation.ColleagueLeft": _participants(invited=False),
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
