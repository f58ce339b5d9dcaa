"""The console's chat commands: transfer, invite and leave, hidden notes, pins, reopen, canned replies, colleagues.

Each is checked against the operator's role on the server, as every command is: a manager acts on
the conversations they hold (or were invited into, for notes, replies and leaving), heads and above
on any; only heads and above override a colleague's absence or write a team's canned replies.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import structlog

from application.add_note import add_note
from application.canned_replies import remove_canned_reply, write_canned_reply
from application.event_store import EventStore
from application.invite_colleague import invite_colleague, leave_conversation
from application.pin_conversation import pin_conversation
from application.reopen_conversation import reopen_conversation
from application.transfer_conversation import MAX_OVERRIDE, hand_to_team, transfer_to_colleague
from domain.canned_reply import MAX_CANNED_TEXT, MAX_TEAM_NAME, checked_shortcut, list_name
from domain.errors import DomainError
from domain.text import TextKind, checked_text
from services.console.accounts import Operator
from services.console.chat_queries import canned_replies, colleagues, own_list, pinned, visible
from services.console.desk import Desk

log = structlog.get_logger()

MAX_NOTE_LENGTH, MAX_REQUEST_ID = 10_000, 200


class NotYourRole(DomainError):
    """The operator's role does not allow this act (REST answers 403)."""


def uuid_field(frame: dict[str, Any], key: str) -> UUID:
    """The id in ``frame[key]``, or ValueError naming the field."""
    try:
        return UUID(str(frame.get(key)))
    except ValueError:
        msg = f"'{key}' must be an id"
        raise ValueError(msg) from None


async def transfer(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Give a conversation to a colleague (``to_manager_id``) or to a team (``team``), one of them."""
    conversation_id = uuid_field(frame, "conversation_id")
    everything = operator.role.sees_everything
    if ("team" in frame) == ("to_manager_id" in frame):
        msg = "transfer to one colleague ('to_manager_id') or one team ('team')"
        raise ValueError(msg)
    if "team" in frame:
        team = checked_text("team", frame["team"], max_length=MAX_TEAM_NAME, kind=TextKind.LINE)
        done = await asyncio.to_thread(
            hand_to_team, desk.store, conversation_id, operator.manager_id, team, any_conversation=everything
        )
        log.info("conversation_handed_to_team", conversation_id=str(conversation_id), team=team)
        return {"type": "ack", "conversation_id": str(conversation_id), "team": team}
    to = uuid_field(frame, "to_manager_id")
    override = checked_text(
        "override", frame.get("override", ""), max_length=MAX_OVERRIDE, kind=TextKind.LINE, required=False
    )
    if override and not everything:
        msg = "only heads, directors and admins send a conversation to a colleague who is not at work"
        raise NotYourRole(msg)
    done = await asyncio.to_thread(
        transfer_to_colleague,
        desk.store,
        conversation_id,
        operator.manager_id,
        to,
        any_conversation=everything,
        override=override,
    )
    log.info("conversation_transferred", conversation_id=str(conversation_id), lead_id=str(done.lead_id), to=str(to))
    return {"type": "ack", "conversation_id": str(conversation_id), "to_manager_id": str(to)}


async def invite(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Bring a colleague (``manager_id``) into a conversation beside its holder."""
    conversation_id, colleague = uuid_field(frame, "conversation_id"), uuid_field(frame, "manager_id")
    await asyncio.to_thread(
        invite_colleague,
        desk.store,
        conversation_id,
        operator.manager_id,
        colleague,
        any_conversation=operator.role.sees_everything,
    )
    log.info("colleague_invited", conversation_id=str(conversation_id), manager_id=str(colleague))
    return {"type": "ack", "conversation_id": str(conversation_id), "manager_id": str(colleague)}


async def leave(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Leave a conversation one was invited into."""
    conversation_id = uuid_field(frame, "conversation_id")
    await asyncio.to_thread(leave_conversation, desk.store, conversation_id, operator.manager_id)
    return {"type": "ack", "conversation_id": str(conversation_id)}


async def note(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """A hidden note for colleagues; the customer never sees it, in any channel."""
    text = checked_text("text", frame.get("text"), max_length=MAX_NOTE_LENGTH, kind=TextKind.TEXT)
    request_id = checked_text(
        "request_id", frame.get("request_id"), max_length=MAX_REQUEST_ID, kind=TextKind.IDENTIFIER
    )
    conversation_id = uuid_field(frame, "conversation_id")
    stored = await asyncio.to_thread(
        add_note,
        desk.store,
        conversation_id,
        operator.manager_id,
        text,
        request_id,
        any_conversation=operator.role.sees_everything,
    )
    log.info("note_stored", conversation_id=str(conversation_id), note_id=str(stored.note_id))
    return {"type": "ack", "note_id": str(stored.note_id)}


async def reopen(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Open a closed conversation again; who reopens it holds it when at work with room."""
    conversation_id = uuid_field(frame, "conversation_id")
    done = await asyncio.to_thread(
        reopen_conversation,
        desk.store,
        conversation_id,
        operator.manager_id,
        any_conversation=operator.role.sees_everything,
    )
    holder = str(done.holder) if done.holder else None
    return {"type": "ack", "conversation_id": str(conversation_id), "holder": holder}


def _pinning(*, pin: bool) -> Any:  # noqa: ANN401 - a command
    async def command(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
        conversation_id = uuid_field(frame, "conversation_id")
        if pin and not await visible(desk.pool, operator, conversation_id):
            msg = f"conversation {conversation_id} is not visible to you"
            raise DomainError(msg)
        pins = await asyncio.to_thread(pin_conversation, desk.store, operator.manager_id, conversation_id, pinned=pin)
        return {"type": "pins", "pinned": [str(p) for p in pins]}

    command.__doc__ = "Pin a conversation to the top of one's own list." if pin else "Take a conversation's pin off."
    return command


async def show_pins(desk: Desk, operator: Operator, __: dict[str, Any]) -> dict[str, Any]:
    """The operator's pinned conversations, the latest pinned first."""
    return {"type": "pins", "pinned": await pinned(desk.pool, desk.store, operator)}


async def show_colleagues(desk: Desk, _: Operator, __: dict[str, Any]) -> dict[str, Any]:
    """Who a conversation may go to or be shared with (``colleagues``), and the ``teams``."""
    return {"type": "colleagues", **await colleagues(desk.pool)}


async def show_canned(desk: Desk, operator: Operator, __: dict[str, Any]) -> dict[str, Any]:
    """The canned replies the operator may use: every team's and their own."""
    return {"type": "canned_replies", "canned_replies": await canned_replies(desk.pool, operator)}


async def save_canned(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Write a canned reply (``shortcut``, ``text``) in one's own list, or a ``team``'s (heads and above)."""
    written = await save_canned_reply(desk.store, operator, frame)
    return {"type": "ack", "canned_reply": written}


async def save_canned_reply(store: EventStore, operator: Operator, body: dict[str, Any]) -> dict[str, Any]:
    """Write a canned reply from a frame or a request body; the one rule for the socket and REST."""
    shortcut = checked_shortcut(body.get("shortcut"))
    text = checked_text("text", body.get("text"), max_length=MAX_CANNED_TEXT, kind=TextKind.TEXT)
    team = body.get("team")
    if team is not None and not operator.role.sees_everything:
        msg = "a team's canned replies are written by heads, directors and admins; write it in your own list"
        raise NotYourRole(msg)
    owner = list_name(team, None if team is not None else operator.manager_id)
    done = await asyncio.to_thread(write_canned_reply, store, owner, shortcut, text, operator.manager_id)
    log.info("canned_reply_written", canned_reply_id=str(done.id), owner=owner, changed=done.changed)
    return {"id": str(done.id), "owner": owner, "shortcut": shortcut, "text": text}


async def delete_canned(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Remove a canned reply (``id``) from one's own list, or from a team's (heads and above)."""
    reply = uuid_field(frame, "id")
    await remove_canned(desk.store, operator, reply)
    return {"type": "ack", "id": str(reply)}


async def remove_canned(store: EventStore, operator: Operator, reply: UUID) -> str:
    """Remove a canned reply the operator may remove; returns its list."""
    allowed = None if operator.role.sees_everything else frozenset({own_list(operator)})
    return await asyncio.to_thread(remove_canned_reply, store, reply, allowed, operator.manager_id)


CHAT_COMMANDS = {
    "transfer": transfer,
    "invite": invite,
    "leave": leave,
    "note": note,
    "reopen": reopen,
    "pin": _pinning(pin=True),
    "unpin": _pinning(pin=False),
    "pins": show_pins,
    "colleagues": show_colleagues,
    "canned_replies": show_canned,
    "save_canned_reply": save_canned,
    "delete_canned_reply": delete_canned,
}
