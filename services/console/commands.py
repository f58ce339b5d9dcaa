"""Operator commands over the console websocket, each checked against the operator's role."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import structlog

from application.accept_offer import accept_offer
from application.close_conversation import close_conversation
from application.reply import reply as record_reply
from application.work_day import change_work_day
from domain.errors import DomainError
from domain.text import TextKind, checked_text
from services.console.accounts import Operator
from services.console.chat_commands import CHAT_COMMANDS
from services.console.chat_typing import tell_closed, typing
from services.console.conversation_list import ConversationQuery, conversation_list
from services.console.desk import Command, Desk
from services.console.lead_conversion import answer, convert
from services.console.paging import requested
from services.console.people_commands import PEOPLE_COMMANDS
from services.console.queries import CONVERSATIONS, HISTORY, history
from services.console.sales_acts import complete, move
from services.console.sales_http import version_field
from services.console.uploads import replied_files

log = structlog.get_logger()

MAX_REPLY_LENGTH = 10_000
MAX_REQUEST_ID, MAX_ACTION = 200, 16


def _uuid(frame: dict[str, Any], key: str) -> UUID:
    try:
        return UUID(str(frame.get(key)))
    except ValueError:
        msg = f"'{key}' must be an id"
        raise ValueError(msg) from None


async def reply(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Answer the customer in their channel, with files uploaded before if the channel carries them."""
    files = await replied_files(desk.pool, frame.get("attachments"))
    text = checked_text(
        "text", frame.get("text", ""), max_length=MAX_REPLY_LENGTH, kind=TextKind.TEXT, required=not files
    )
    request_id = checked_text(
        "request_id", frame.get("request_id"), max_length=MAX_REQUEST_ID, kind=TextKind.IDENTIFIER
    )
    conversation_id = _uuid(frame, "conversation_id")
    stored = await asyncio.to_thread(
        record_reply,
        desk.store,
        conversation_id,
        operator.manager_id,
        text,
        request_id,
        attachments=files,
        any_conversation=operator.role.sees_everything,
    )
    log.info("reply_stored", conversation_id=str(conversation_id), reply_id=str(stored.reply_id))
    return {"type": "ack", "reply_id": str(stored.reply_id)}


async def show_history(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """A page of a conversation's messages (``limit``, ``cursor``), if the operator may see it."""
    conversation_id = _uuid(frame, "conversation_id")
    found = await history(desk.pool, operator, conversation_id, requested(frame, HISTORY, in_query=False))
    if found is None:
        msg = f"conversation {conversation_id} is not visible to you"
        raise DomainError(msg)
    messages, before = found
    return {"type": "history", "conversation_id": str(conversation_id), "messages": messages, "next_cursor": before}


async def list_conversations(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """A page of the operator's list (``filter``, ``channel``, ``q``, ``limit``, ``cursor``); the first with counts."""
    page = requested(frame, CONVERSATIONS, in_query=False)
    listed = await conversation_list(desk.pool, operator, page, ConversationQuery.of(frame))
    return {"type": "conversations", **listed}


async def work_day(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Start, pause, resume or end the operator's own work day."""
    action = checked_text("action", frame.get("action"), max_length=MAX_ACTION, kind=TextKind.IDENTIFIER)
    manager = await asyncio.to_thread(change_work_day, desk.store, operator.manager_id, action)
    return {"type": "ack", "manager": manager}


async def accept(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Take a lead offered to all; the first to accept has it."""
    lead = _uuid(frame, "lead_id")
    await asyncio.to_thread(accept_offer, desk.store, lead, operator.manager_id)
    log.info("lead_accepted", lead_id=str(lead), manager_id=str(operator.manager_id))
    return {"type": "ack", "lead_id": str(lead)}


async def close(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Close a conversation held by the operator (anyone's, for those who see everything)."""
    conversation_id = _uuid(frame, "conversation_id")
    await asyncio.to_thread(
        close_conversation,
        desk.store,
        conversation_id,
        operator.manager_id,
        any_conversation=operator.role.sees_everything,
    )
    await tell_closed(desk.pool, conversation_id)
    return {"type": "ack", "conversation_id": str(conversation_id)}


async def move_deal(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Move a deal the operator may edit to a stage; a lost stage needs a ``reason``."""
    deal_id, stage_id = _uuid(frame, "deal_id"), _uuid(frame, "stage_id")
    reason = frame.get("reason", "")
    version = await move(desk.sales, operator, deal_id, stage_id, reason, version_field(frame))
    log.info("deal_moved", deal_id=str(deal_id), stage_id=str(stage_id), manager_id=str(operator.manager_id))
    return {"type": "ack", "deal_id": str(deal_id), "version": version}


async def complete_activity(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Mark an activity the operator may edit done, with its ``result``."""
    activity_id = _uuid(frame, "activity_id")
    result = frame.get("result", "")
    version = await complete(desk.sales, operator, activity_id, result, version_field(frame))
    log.info("activity_completed", activity_id=str(activity_id), manager_id=str(operator.manager_id))
    return {"type": "ack", "activity_id": str(activity_id), "version": version}


async def convert_lead(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Convert a lead the operator may edit into a ``contact``, a ``company`` and a ``deal`` (any of them)."""
    lead_id = _uuid(frame, "lead_id")
    done = await convert(desk.sales, operator, lead_id, frame, desk.default_phone_region)
    return {"type": "ack", **answer(done)}


COMMANDS: dict[str, Command] = {
    "reply": reply,
    "history": show_history,
    "conversations": list_conversations,
    "work_day": work_day,
    "accept": accept,
    "close": close,
    "move_deal": move_deal,
    "complete_activity": complete_activity,
    **PEOPLE_COMMANDS,
    "convert_lead": convert_lead,
    **CHAT_COMMANDS,
    "typing": typing,
}


async def dispatch(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Carry out one command frame; ValueError or DomainError says what was wrong."""
    command = COMMANDS.get(str(frame.get("type")))
    if command is None:
        msg = f"unknown command {frame.get('type')!r}; expected one of {', '.join(COMMANDS)}"
        raise ValueError(msg)
    return await command(desk, operator, frame)
