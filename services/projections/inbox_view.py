"""The inbox read models: conversations, their messages, assignments and managers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self
from uuid import UUID

import orjson

from domain.identities import lead_id
from domain.published_event import PublishedEvent
from services.projections.chat_view import ALSO
from services.projections.chat_view import HANDLERS as CHAT_HANDLERS
from services.projections.rows import Rows

Handler = Callable[[Rows, PublishedEvent, "Changes"], Awaitable[None]]


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


class _Unnoted(InOrder):
    def add(self, record_id: UUID) -> None:
        """Note nothing."""


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

    @classmethod
    def ignored(cls) -> Changes:
        """Changes nobody is told of (a version not yet read): records are not noted, which costs nothing."""
        return cls(
            conversations=_Unnoted(),
            deals=_Unnoted(),
            activities=_Unnoted(),
            contacts=_Unnoted(),
            companies=_Unnoted(),
            leads=_Unnoted(),
            conversions=_Unnoted(),
        )

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


async def apply(rows: Rows, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the inbox's read models."""
    handler = _HANDLERS.get(event.type) or CHAT_HANDLERS.get(event.type)
    if handler is not None:
        await handler(rows, event, changes)
    if (also := ALSO.get(event.type)) is not None:
        await also(rows, event, changes)


def handles(event_type: str) -> bool:
    """Whether events of ``event_type`` change the inbox's read models."""
    return event_type in _HANDLERS or event_type in CHAT_HANDLERS or event_type in ALSO


def _storable(text: str) -> str:
    # PostgreSQL text cannot hold NUL, nor can UTF-8 carry a lone surrogate; ids are cleaned as well
    # as text, so an event carrying either is shown rather than set aside.
    if text.isascii() and "\x00" not in text:
        return text
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _json_text(value: object) -> str:
    # A routing decision's reasons name every manager it weighed: orjson writes them ten times faster.
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what orjson does not write (an integer past 64 bits, a lone surrogate): as before
        return json.dumps(value)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _conversation_opened(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    row = rows.new_row(
        "conversations",
        id=e.aggregate_id,
        channel=_storable(d["channel"]),
        thread=_storable(d["thread"]),
        address=_storable(d["address"]),
        contact_id=UUID(d["contact_id"]),
        status="open",
        lead_id=lead_id(e.aggregate_id),
        opened_at=e.occurred_at,
    )
    await rows.insert("conversations", row)
    ch.conversations.add(e.aggregate_id)


async def _message(  # noqa: PLR0913
    rows: Rows,
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
    message = rows.new_row(
        "messages",
        notification_id=e.notification_id,
        conversation_id=conversation_id,
        message_id=_storable(message_id),
        author=author,
        manager_id=manager_id,
        text=text,
        at=at,
        subject=_storable(d.get("subject") or ""),
        attachments=json.dumps(attachments) if (attachments := d.get("attachments")) else "[]",
    )
    if not await rows.insert("messages", message, fresh=True):
        raise DuplicateMessage(e.notification_id)
    conversation = await rows.get("conversations", conversation_id)
    if conversation is not None:
        reopened = {"status": "open"} if author == "customer" else {}
        rows.replace(
            "conversations",
            conversation,
            message_count=conversation["message_count"] + 1,
            last_message=text,
            last_message_at=at,
            **reopened,
        )
    ch.conversations.add(e.aggregate_id)
    ch.messages.append(e.notification_id)


class DuplicateMessage(ValueError):
    """A message stored under a notification id that has one already."""

    def __init__(self, notification_id: int) -> None:
        super().__init__(f"a message with notification id {notification_id} is stored already")


async def _customer_wrote(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    await _message(
        rows, e, ch, message_id=d["channel_message_id"], author="customer", manager_id=None, at=_at(d["received_at"])
    )


async def _operator_replied(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    manager_id = UUID(d["manager_id"])
    await _message(rows, e, ch, message_id=d["reply_id"], author="manager", manager_id=manager_id, at=_at(d["sent_at"]))


async def _customer_edited(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    text = _storable(d["text"])
    message_id = _storable(d["edit_of"])
    edited_at = _at(d["edited_at"])
    messages = await rows.where("messages", ("conversation_id",), e.aggregate_id)
    edited = [m for m in messages if m["message_id"] == message_id and m["author"] == "customer"]
    if not edited:
        return
    for message in edited:
        rows.replace("messages", message, text=text, edited_at=edited_at)
    # The conversation's preview follows the edit when the edited message is its latest.
    if messages[-1]["notification_id"] == edited[0]["notification_id"]:
        await rows.update("conversations", e.aggregate_id, last_message=text)
    ch.conversations.add(e.aggregate_id)


def _delivery(outcome: str | None) -> Handler:
    async def handle(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
        d = e.data
        reply_id = _storable(d["reply_id"])
        delivery, detail = _storable(outcome or d["reason"]), _storable(d["detail"])
        found = False
        for message in await rows.where("messages", ("conversation_id",), e.aggregate_id):
            if message["message_id"] == reply_id:
                rows.replace("messages", message, delivery=delivery, delivery_detail=detail)
                found = True
        if found:
            ch.conversations.add(e.aggregate_id)

    return handle


async def _activity_logged(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    row = rows.new_row(
        "activities",
        notification_id=e.notification_id,
        contact_id=e.aggregate_id,
        kind=_storable(d["kind"]),
        message_id=_storable(d["channel_message_id"]),
        subject=_storable(d["subject"]),
        text=_storable(d["text"]),
        manager_id=UUID(d["manager_id"]) if d.get("manager_id") else None,
        attachments=json.dumps(d["attachments"]),
        at=_at(d["occurred_at"]),
        forwarded_by=_storable(d.get("forwarded_by", "")),
    )
    await rows.insert("activities", row, fresh=True)


async def _lead_assigned(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    conversation_id = UUID(d["conversation_id"])
    manager_id = UUID(d["manager_id"])
    answer_by = d.get("answer_by")
    current = await rows.get("assignments", e.aggregate_id)
    assignment = rows.new_row(
        "assignments",
        lead_id=e.aggregate_id,
        # A lead keeps the conversation it was first assigned with.
        conversation_id=current["conversation_id"] if current else conversation_id,
        manager_id=manager_id,
        assigned_at=e.occurred_at,
        reasons=_json_text(d["reasons"]),
        answer_by=_at(answer_by) if answer_by else None,
        answered=False,
    )
    await rows.put("assignments", assignment)
    await rows.update("conversations", conversation_id, manager_id=manager_id, lead_status="assigned", offered_to=[])
    ch.conversations.add(conversation_id)


def _lead_status(status: str) -> Handler:
    async def handler(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
        conversation_id = UUID(e.data["conversation_id"])
        offered = [UUID(m) for m in e.data.get("manager_ids", [])]
        expires = e.data.get("expires_at")
        await rows.update(
            "conversations",
            conversation_id,
            lead_status=status,
            offered_to=offered,
            offer_expires_at=_at(expires) if expires else None,
        )
        if status in ("new", "closed"):  # released or closed: no current assignment
            await rows.delete("assignments", e.aggregate_id)
        ch.conversations.add(conversation_id)

    return handler


async def _lead_answered(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await rows.update("assignments", e.aggregate_id, answered=True)


async def _conversation_status(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    await rows.update("conversations", e.aggregate_id, status="closed")
    ch.conversations.add(e.aggregate_id)


async def _manager_registered(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    row = rows.new_row(
        "managers",
        id=e.aggregate_id,
        name=_storable(d["name"]),
        email=_storable(d["email"]),
        work_day="not_started",
        capacity=d["capacity"],
    )
    await rows.insert("managers", row)


def _work_day(state: str) -> Handler:
    async def handler(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        await rows.update("managers", e.aggregate_id, work_day=state)

    return handler


def _load_change(delta: int) -> Handler:
    async def handler(rows: Rows, e: PublishedEvent, _: Changes) -> None:
        manager = await rows.get("managers", e.aggregate_id)
        if manager is not None:
            rows.replace("managers", manager, open_leads=manager["open_leads"] + delta)

    return handler


async def _capacity_changed(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await rows.update("managers", e.aggregate_id, capacity=e.data["capacity"])


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
