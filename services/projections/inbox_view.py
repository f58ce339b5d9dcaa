"""The inbox read models: conversations, their messages, assignments and managers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from domain.identities import lead_id
from domain.published_event import PublishedEvent
from services.projections.chat_view import ALSO
from services.projections.chat_view import HANDLERS as CHAT_HANDLERS
from services.tables import Connection

Handler = Callable[[Connection, str, PublishedEvent, "Changes"], Awaitable[None]]


class InOrder:
    """Records changed, each once, in the order of its latest change: consoles are told in the log's order."""

    def __init__(self, records: Iterable[UUID] = ()) -> None:
        self._records: dict[UUID, None] = {}
        self.update(records)

    def add(self, record_id: UUID) -> None:
        """Note a change of ``record_id``: it moves after every record changed before."""
        self._records.pop(record_id, None)
        self._records[record_id] = None

    def update(self, records: Iterable[UUID]) -> None:
        """Note changes of ``records``, in their order."""
        for record_id in records:
            self.add(record_id)

    def __ior__(self, other: Iterable[UUID]) -> Self:
        self.update(other)
        return self

    def __iter__(self) -> Iterator[UUID]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, InOrder) else set(self) == other

    __hash__ = None  # type: ignore[assignment]


@dataclass
class Changes:
    """What one batch changed, for the console's live updates; records in the order of their latest change."""

    conversations: InOrder = field(default_factory=InOrder)
    messages: list[int] = field(default_factory=list)
    deals: InOrder = field(default_factory=InOrder)
    activities: InOrder = field(default_factory=InOrder)
    reminders: list[UUID] = field(default_factory=list)  # activities whose reminder fired, in order
    contacts: InOrder = field(default_factory=InOrder)
    companies: InOrder = field(default_factory=InOrder)
    leads: InOrder = field(default_factory=InOrder)
    conversions: InOrder = field(default_factory=InOrder)  # leads converted

    def absorb(self, other: Changes) -> None:
        """Add what ``other`` changed to these changes."""
        self.conversations |= other.conversations
        self.messages += other.messages
        self.deals |= other.deals
        self.activities |= other.activities
        self.reminders += other.reminders
        self.contacts |= other.contacts
        self.companies |= other.companies
        self.leads |= other.leads
        self.conversions |= other.conversions


async def apply(conn: Connection, schema: str, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the read models in ``schema``."""
    handler = _HANDLERS.get(event.type) or CHAT_HANDLERS.get(event.type)
    if handler is not None:
        await handler(conn, schema, event, changes)
    if (also := ALSO.get(event.type)) is not None:
        await also(conn, schema, event, changes)


def _storable(text: str) -> str:
    # PostgreSQL text cannot hold NUL, nor can UTF-8 carry a lone surrogate; ids are cleaned as well
    # as text, so an event carrying either is shown rather than set aside.
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _conversation_opened(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.conversations (id, channel, thread, address, contact_id, status, lead_id, opened_at)"  # noqa: S608 - checked schema
        " VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        _storable(d["channel"]),
        _storable(d["thread"]),
        _storable(d["address"]),
        UUID(d["contact_id"]),
        lead_id(e.aggregate_id),
        e.occurred_at,
    )
    ch.conversations.add(e.aggregate_id)


async def _message(  # noqa: PLR0913
    conn: Connection,
    s: str,
    e: PublishedEvent,
    ch: Changes,
    *,
    message_id: str,
    author: str,
    manager_id: UUID | None,
    at: datetime,
) -> None:
    conversation_id = e.aggregate_id
    d = e.data
    text = _storable(d["text"])
    await conn.execute(
        f"INSERT INTO {s}.messages (notification_id, conversation_id, message_id, author, manager_id, text, at,"  # noqa: S608
        " subject, attachments) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        e.notification_id,
        conversation_id,
        _storable(message_id),
        author,
        manager_id,
        text,
        at,
        _storable(d.get("subject") or ""),
        json.dumps(d.get("attachments") or []),
    )
    reopen = ", status = 'open'" if author == "customer" else ""
    await conn.execute(
        f"UPDATE {s}.conversations SET message_count = message_count + 1,"  # noqa: S608
        f" last_message = $2, last_message_at = $3{reopen} WHERE id = $1",
        conversation_id,
        text,
        at,
    )
    ch.conversations.add(e.aggregate_id)
    ch.messages.append(e.notification_id)


async def _customer_wrote(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    await _message(
        conn, s, e, ch, message_id=d["channel_message_id"], author="customer", manager_id=None, at=_at(d["received_at"])
    )


async def _operator_replied(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    manager_id = UUID(d["manager_id"])
    await _message(
        conn, s, e, ch, message_id=d["reply_id"], author="manager", manager_id=manager_id, at=_at(d["sent_at"])
    )


async def _customer_edited(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    text = _storable(d["text"])
    edited = await conn.fetchval(
        f"UPDATE {s}.messages SET text = $3, edited_at = $4"  # noqa: S608 - checked schema
        " WHERE conversation_id = $1 AND message_id = $2 AND author = 'customer' RETURNING notification_id",
        e.aggregate_id,
        _storable(d["edit_of"]),
        text,
        _at(d["edited_at"]),
    )
    if edited is None:
        return
    # The conversation's preview follows the edit when the edited message is its latest.
    await conn.execute(
        f"UPDATE {s}.conversations c SET last_message = $2 WHERE id = $1 AND NOT EXISTS"  # noqa: S608
        f" (SELECT 1 FROM {s}.messages m WHERE m.conversation_id = $1 AND m.notification_id > $3)",
        e.aggregate_id,
        text,
        edited,
    )
    ch.conversations.add(e.aggregate_id)


def _delivery(outcome: str | None) -> Handler:
    async def handle(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
        d = e.data
        notification_id = await conn.fetchval(
            f"UPDATE {s}.messages SET delivery = $3, delivery_detail = $4"  # noqa: S608
            " WHERE conversation_id = $1 AND message_id = $2 RETURNING notification_id",
            e.aggregate_id,
            _storable(d["reply_id"]),
            _storable(outcome or d["reason"]),
            _storable(d["detail"]),
        )
        if notification_id is not None:
            ch.conversations.add(e.aggregate_id)

    return handle


async def _activity_logged(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.activities (notification_id, contact_id, kind, message_id, subject, text, manager_id,"  # noqa: S608
        " attachments, at, forwarded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        e.notification_id,
        e.aggregate_id,
        _storable(d["kind"]),
        _storable(d["channel_message_id"]),
        _storable(d["subject"]),
        _storable(d["text"]),
        UUID(d["manager_id"]) if d.get("manager_id") else None,
        json.dumps(d["attachments"]),
        _at(d["occurred_at"]),
        _storable(d.get("forwarded_by", "")),
    )


async def _lead_assigned(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    conversation_id = UUID(d["conversation_id"])
    manager_id = UUID(d["manager_id"])
    answer_by = d.get("answer_by")
    await conn.execute(
        f"INSERT INTO {s}.assignments (lead_id, conversation_id, manager_id, assigned_at, reasons, answer_by)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (lead_id) DO UPDATE SET manager_id = EXCLUDED.manager_id,"
        " assigned_at = EXCLUDED.assigned_at, reasons = EXCLUDED.reasons, answer_by = EXCLUDED.answer_by,"
        " answered = false",
        e.aggregate_id,
        conversation_id,
        manager_id,
        e.occurred_at,
        json.dumps(d["reasons"]),
        _at(answer_by) if answer_by else None,
    )
    await conn.execute(
        f"UPDATE {s}.conversations SET manager_id = $2, lead_status = 'assigned', offered_to = '{{}}' WHERE id = $1",  # noqa: S608
        conversation_id,
        manager_id,
    )
    ch.conversations.add(conversation_id)


def _lead_status(status: str) -> Any:  # noqa: ANN401
    async def handler(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
        conversation_id = UUID(e.data["conversation_id"])
        offered = [UUID(m) for m in e.data.get("manager_ids", [])]
        expires = e.data.get("expires_at")
        await conn.execute(
            f"UPDATE {s}.conversations SET lead_status = $2, offered_to = $3, offer_expires_at = $4"  # noqa: S608
            " WHERE id = $1",
            conversation_id,
            status,
            offered,
            _at(expires) if expires else None,
        )
        if status in ("new", "closed"):  # released or closed: no current assignment
            await conn.execute(f"DELETE FROM {s}.assignments WHERE lead_id = $1", e.aggregate_id)  # noqa: S608
        ch.conversations.add(conversation_id)

    return handler


async def _lead_answered(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(f"UPDATE {s}.assignments SET answered = true WHERE lead_id = $1", e.aggregate_id)  # noqa: S608


async def _conversation_status(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    await conn.execute(f"UPDATE {s}.conversations SET status = 'closed' WHERE id = $1", e.aggregate_id)  # noqa: S608
    ch.conversations.add(e.aggregate_id)


async def _manager_registered(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.managers (id, name, email, work_day, capacity) VALUES ($1, $2, $3, 'not_started', $4)"  # noqa: S608
        " ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        _storable(d["name"]),
        _storable(d["email"]),
        d["capacity"],
    )


def _work_day(state: str) -> Any:  # noqa: ANN401
    async def handler(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        await conn.execute(f"UPDATE {s}.managers SET work_day = $2 WHERE id = $1", e.aggregate_id, state)  # noqa: S608

    return handler


def _load_change(delta: int) -> Any:  # noqa: ANN401
    async def handler(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
        await conn.execute(
            f"UPDATE {s}.managers SET open_leads = open_leads + $2 WHERE id = $1",  # noqa: S608
            e.aggregate_id,
            delta,
        )

    return handler


async def _capacity_changed(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"UPDATE {s}.managers SET capacity = $2 WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        e.data["capacity"],
    )


_HANDLERS = {
    "Conversation.Opened": _conversation_opened,
    "Conversation.CustomerWrote": _customer_wrote,
    "Conversation.OperatorReplied": _operator_replied,
    "Conversation.CustomerMessageEdited": _customer_edited,
    "Conversation.ReplySent": _delivery("sent"),
    "Conversation.ReplyFailed": _delivery(None),
    "Contact.ActivityLogged": _activity_logged,
    "Lead.Assigned": _lead_assigned,
    "Lead.Transferred": _lead_assigned,
    "Lead.HandedToTeam": _lead_status("new"),
    "Lead.Queued": _lead_status("queued"),
    "Lead.Offered": _lead_status("offered"),
    "Lead.Released": _lead_status("new"),
    "Lead.OfferWithdrawn": _lead_status("new"),
    "Lead.Reopened": _lead_status("new"),
    "Lead.Closed": _lead_status("closed"),
    "Lead.Answered": _lead_answered,
    "Conversation.Closed": _conversation_status,
    "Manager.LeadReleased": _load_change(-1),
    "Manager.CapacityChanged": _capacity_changed,
    "Manager.Registered": _manager_registered,
    "Manager.WorkDayStarted": _work_day("started"),
    "Manager.WorkDayPaused": _work_day("paused"),
    "Manager.WorkDayResumed": _work_day("started"),
    "Manager.WorkDayEnded": _work_day("ended"),
    "Manager.LeadTaken": _load_change(+1),
}
