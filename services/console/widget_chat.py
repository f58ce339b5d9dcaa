"""The widget's own requests beyond its session: the visitor's rating of a closed chat, and its state.

The visitor proves who they are with the token the widget holds (in the body, never the URL), and
acts only on their own conversation; requests are limited per client address.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from application.errors import UnknownConversation
from application.event_store import EventStore
from application.rate_conversation import rate_conversation
from domain.channels import Channel
from domain.errors import DomainError
from domain.identities import conversation_id
from domain.text import InvalidText, TextKind
from services.console.floods import Floods, too_many
from services.console.request_body import BadInput, bad_request, json_object, optional_text_field, text_field
from services.projections.schema import LIVE_SCHEMA
from services.tokens import Signer

log = structlog.get_logger()

VISITOR = "visitor"
MAX_TOKEN, MAX_COMMENT = 1024, 2000


async def chat_state(pool: asyncpg.Pool, conversation: UUID) -> dict[str, Any]:
    """What the widget needs to know of its conversation: open or closed, and whether to ask for a rating."""
    row = await pool.fetchrow(
        f"SELECT status, rating FROM {LIVE_SCHEMA}.conversations WHERE id = $1",  # noqa: S608 - fixed schema
        conversation,
    )
    if row is None:
        return {"status": "new", "ask_rating": False}
    return {"status": row["status"], "ask_rating": row["status"] == "closed" and row["rating"] is None}


class WidgetGateway(Protocol):
    """What the widget's requests use of the gateway."""

    signer: Signer
    floods: Floods
    store: EventStore


class WidgetChat:
    """The visitor's rating, over REST from the widget."""

    def __init__(self, gateway: WidgetGateway, address: Callable[[Request], str]) -> None:
        self._gateway = gateway
        self._address = address

    async def rating(self, request: Request) -> Response:  # noqa: PLR0911 - each refusal its own status
        """``{token, rating, comment}``: the visitor rates their closed conversation, once per closing."""
        gateway = self._gateway
        address = self._address(request)
        if not gateway.floods.history.allow(address):
            return too_many(gateway.floods.history, address, "widget requests from your address")
        try:
            body = await json_object(request)
            token = text_field(body, "token", max_length=MAX_TOKEN, kind=TextKind.IDENTIFIER)
            comment = optional_text_field(body, "comment", max_length=MAX_COMMENT, kind=TextKind.TEXT) or ""
        except (BadInput, InvalidText) as error:
            return bad_request(str(error))
        rating = body.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:  # noqa: PLR2004
            return bad_request("'rating' must be a whole number from 1 to 5")
        visitor_id = gateway.signer.subject(VISITOR, token)
        if visitor_id is None:
            return JSONResponse({"error": "a valid visitor token is needed"}, status_code=401)
        conversation = conversation_id(Channel.WEBCHAT, visitor_id)
        try:
            await asyncio.to_thread(rate_conversation, gateway.store, conversation, rating, comment.strip())
        except UnknownConversation:
            return JSONResponse({"error": "there is no conversation to rate yet"}, status_code=404)
        except DomainError as refused:
            return JSONResponse({"error": str(refused)}, status_code=409)
        log.info("conversation_rated", conversation_id=str(conversation), rating=rating)
        return JSONResponse({"rated": rating})
