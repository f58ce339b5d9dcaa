"""A limit on every HTTP request body, checked before any route reads it.

A body declared larger than the limit is refused at once with 413; a body sent
without a length (chunked) is read up to the limit and refused with 413 as soon
as it goes past it. Routes then get the body already read, so no route can be
made to hold more than the limit in memory, whoever is asking and before any
authentication.
"""

from __future__ import annotations

import json

import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.request_body import BodyTooLarge, read_within

log = structlog.get_logger()


class BodyLimit:
    """ASGI middleware: HTTP bodies over ``max_bytes`` get 413 and never reach the application.

    ``larger`` names the paths that take more (an upload), with their own limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body within the limit, then hand it to the application."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        try:
            body = await read_within(Request(scope, receive), limit)
        except BodyTooLarge as too_large:
            how = "streamed past the limit" if too_large.declared is None else f"declared {too_large.declared} bytes"
            await self._refuse(scope, send, how, limit)
            return
        except ClientDisconnect:
            return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, send: Send, how: str, limit: int) -> None:
        log.info("request_body_too_large", path=scope.get("path"), how=how, limit=limit)
        body = json.dumps({"error": f"the request body is over the limit of {limit} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                # What is left of the body is not read: the connection cannot carry another request.
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body once, then whatever the client does next (a disconnect)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
