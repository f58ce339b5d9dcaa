"""Typing indicators and the closed notice between the console and the widget: live, never in the log.

An operator's ``typing`` command reaches the visitor's widget and the consoles of the colleagues who may
see the conversation, on every gateway; a visitor's typing reaches the consoles of the operators who may
see the conversation. Both are rate limited, and dropped rather than queued: a typing indicator late is
worth nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from connectors.rate_limit import RateLimiter
from domain.channels import Channel
from domain.chat_signal import ChatSignal, ColleagueTyping, SignalKind
from domain.errors import DomainError
from domain.identities import conversation_id
from services.chat_signals import AMONG_COLLEAGUES, TO_VISITORS, send
from services.console.accounts import Operator
from services.console.desk import Desk
from services.console.live import Seat
from services.console.queries import conversations_by_id, sees
from services.projections.schema import LIVE_SCHEMA

log = structlog.get_logger()

# One indicator per operator and conversation every 2 s at most: the widget shows it for a few seconds.
OPERATOR_TYPING = RateLimiter(per_second=0.5, burst=1, max_keys=10_000)


async def _webchat_visitor(pool: asyncpg.Pool, conversation: UUID) -> tuple[asyncpg.Record | None, str | None]:
    row = await pool.fetchrow(
        f"SELECT channel, thread, manager_id, offered_to, participants FROM {LIVE_SCHEMA}.conversations WHERE id = $1",  # noqa: S608
        conversation,
    )
    visitor = row["thread"] if row is not None and row["channel"] == Channel.WEBCHAT else None
    return row, visitor


async def typing(desk: Desk, operator: Operator, frame: dict[str, Any]) -> dict[str, Any]:
    """Tell the visitor and colleagues the operator is typing.

    ``sent`` says whether the visitor was told: false when limited or not a web chat.
    """
    try:
        conversation = UUID(str(frame.get("conversation_id")))
    except ValueError:
        msg = "'conversation_id' must be an id"
        raise ValueError(msg) from None
    row, visitor = await _webchat_visitor(desk.pool, conversation)
    if row is None or not sees(operator, row):
        msg = f"conversation {conversation} is not visible to you"
        raise DomainError(msg)
    if not OPERATOR_TYPING.allow(f"{operator.manager_id}/{conversation}"):
        return {"type": "ack", "conversation_id": str(conversation), "sent": False}
    await send(desk.pool, AMONG_COLLEAGUES, ColleagueTyping(conversation, operator.manager_id, operator.name))
    if visitor is not None:
        await send(desk.pool, TO_VISITORS, ChatSignal(SignalKind.OPERATOR_TYPING, visitor, operator.name))
    return {"type": "ack", "conversation_id": str(conversation), "sent": visitor is not None}


async def tell_closed(pool: asyncpg.Pool, conversation: UUID) -> None:
    """Tell a web-chat visitor their conversation was closed now, so the widget asks for a rating.

    The close is stored already: a notice lost here is asked for by the widget's history when it opens again.
    """
    try:
        _, visitor = await _webchat_visitor(pool, conversation)
        if visitor is not None:
            await send(pool, TO_VISITORS, ChatSignal(SignalKind.CONVERSATION_CLOSED, visitor))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        log.warning("closed_notice_not_sent", conversation_id=str(conversation), reason=str(error))


def visitor_typing(pool: asyncpg.Pool, seats: Callable[[], Iterable[Seat]]) -> Callable[[ChatSignal], Any]:
    """What the gateway does with a visitor's signal: show it to every open console that may see the chat."""

    async def on_signal(signal: ChatSignal) -> None:
        if signal.kind is not SignalKind.VISITOR_TYPING:
            return
        conversation = conversation_id(Channel.WEBCHAT, signal.visitor_id)
        rows = await conversations_by_id(pool, [conversation])
        if not rows:
            return
        frame = {"type": "typing", "conversation_id": str(conversation), "who": "visitor"}
        for seat in seats():
            if sees(seat.operator, rows[0]):
                seat.send(frame)

    return on_signal


def colleague_typing(pool: asyncpg.Pool, seats: Callable[[], Iterable[Seat]]) -> Callable[[ColleagueTyping], Any]:
    """What the gateway does with an operator's typing: show it to the other open consoles that may see the chat."""

    async def on_signal(signal: ColleagueTyping) -> None:
        rows = await conversations_by_id(pool, [signal.conversation_id])
        if not rows:
            return
        frame = {
            "type": "typing",
            "conversation_id": str(signal.conversation_id),
            "who": "colleague",
            "manager_id": str(signal.manager_id),
            "name": signal.name,
        }
        for seat in seats():
            if seat.operator.manager_id != signal.manager_id and sees(seat.operator, rows[0]):
                seat.send(frame)

    return on_signal
