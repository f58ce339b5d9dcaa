"""The chat's REST routes, for what a manager scripts: transfers and canned replies.

They run the same commands as the console's socket, with the same role checks, and answer:
200 with the result; 400 ``{"error"}`` for a body that is wrong (the message names the field);
401 without a session; 403 for what the caller's role may not do (a manager's override, a team's
canned replies); 404 for a conversation or canned reply that does not exist or is not the
caller's to act on, alike; 409 when the conversation's state refuses the act (the message says why).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from application.errors import NotYourConversation, UnknownConversation, UnknownManager
from application.event_store import EventStore
from domain.canned_reply import CannedReplyRefused
from domain.errors import DomainError
from domain.text import InvalidText
from services.console.accounts import Operator
from services.console.chat_commands import NotYourRole, remove_canned, save_canned_reply, transfer
from services.console.chat_queries import canned_replies
from services.console.desk import Desk
from services.console.request_body import BadInput, json_object
from services.console.sales_access import SalesAccess

Authenticate = Callable[[Request], Awaitable[Operator | None]]
_NOT_FOUND = (NotYourConversation, UnknownConversation, UnknownManager)


Act = Callable[[Operator, Request], Awaitable[dict[str, Any]]]


def refusal(error: Exception) -> JSONResponse | None:
    """The answer to a refused act, or None for an error that is no refusal."""
    if isinstance(error, _NOT_FOUND) or (isinstance(error, CannedReplyRefused) and "of yours" in str(error)):
        return JSONResponse({"error": str(error)}, status_code=404)
    if isinstance(error, (BadInput, InvalidText)) or (
        isinstance(error, ValueError) and not isinstance(error, DomainError)
    ):
        return JSONResponse({"error": str(error)}, status_code=400)
    if isinstance(error, NotYourRole):
        return JSONResponse({"error": str(error)}, status_code=403)
    if isinstance(error, DomainError):
        return JSONResponse({"error": str(error)}, status_code=409)
    return None


class ChatRest:
    """The chat's routes, each checking the caller's session and role."""

    def __init__(
        self,
        store: Callable[[], EventStore],
        pool: Callable[[], asyncpg.Pool],
        authenticate: Authenticate,
        sales: SalesAccess,
    ) -> None:
        self._store = store
        self._pool = pool
        self._authenticate = authenticate
        self._sales = sales

    def routes(self) -> list[BaseRoute]:
        """Every route of the chat's REST."""
        return [
            Route("/api/conversations/{conversation_id}/transfer", self._route(self.transfer), methods=["POST"]),
            Route("/api/canned-replies", self._route(self.listed), methods=["GET"]),
            Route("/api/canned-replies", self._route(self.written), methods=["POST"]),
            Route("/api/canned-replies/{canned_reply_id}", self._route(self.removed), methods=["DELETE"]),
        ]

    def _route(self, act: Act) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            operator = await self._authenticate(request)
            if operator is None:
                return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
            try:
                return JSONResponse(await act(operator, request))
            except (BadInput, ValueError, DomainError) as error:
                answer = refusal(error)
                if answer is None:
                    raise
                return answer

        return endpoint

    async def transfer(self, operator: Operator, request: Request) -> dict[str, Any]:
        """Transfer a conversation to a colleague (``to_manager_id``) or a team (``team``)."""
        body = await json_object(request)
        frame = {**body, "conversation_id": request.path_params["conversation_id"]}
        done = await transfer(Desk(self._store(), self._pool(), self._sales), operator, frame)
        return {key: value for key, value in done.items() if key != "type"}

    async def listed(self, operator: Operator, _: Request) -> dict[str, Any]:
        """The canned replies the caller may use."""
        return {"canned_replies": await canned_replies(self._pool(), operator)}

    async def written(self, operator: Operator, request: Request) -> dict[str, Any]:
        """Write a canned reply in the caller's list or a team's."""
        return await save_canned_reply(self._store(), operator, await json_object(request))

    async def removed(self, operator: Operator, request: Request) -> dict[str, Any]:
        """Remove a canned reply the caller may remove."""
        try:
            reply = UUID(request.path_params["canned_reply_id"])
        except ValueError:
            msg = "the canned reply's id in the path must be an id"
            raise ValueError(msg) from None
        await remove_canned(self._store(), operator, reply)
        return {"removed": str(reply)}
