"""A read that lost to a writer is asked again, rather than answered with a 500.

PostgreSQL may end a transaction that waits in a deadlock, or that could not be serialized, and
says so with class 40 (``40P01``, ``40001``): nothing was wrong with the request, and the same
request a moment later succeeds. A GET or HEAD changes nothing, so the whole request is run again,
a few times with a short wait, as long as no byte of the answer has gone out yet. Anything else,
and a read that keeps losing, is left to fail as before.
"""

from __future__ import annotations

import asyncio

import structlog
from asyncpg.exceptions import TransactionRollbackError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger()

READS = frozenset({"GET", "HEAD"})


class ReadRetries:
    """ASGI middleware: a GET or HEAD that PostgreSQL rolled back as a deadlock or serialization loser is run again."""

    def __init__(self, app: ASGIApp, attempts: int = 3, wait_seconds: float = 0.02) -> None:
        self.app = app
        self.attempts = attempts
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request; run a read again while PostgreSQL says it lost a race and nothing was sent."""
        if scope["type"] != "http" or scope.get("method") not in READS:
            await self.app(scope, receive, send)
            return
        sent = False

        async def sending(message: Message) -> None:
            nonlocal sent
            sent = True
            await send(message)

        for attempt in range(1, self.attempts + 1):
            try:
                await self.app(scope, receive, sending)
            except TransactionRollbackError as lost:
                if sent or attempt == self.attempts:
                    raise
                log.info("read_asked_again", path=scope.get("path"), sqlstate=lost.sqlstate, attempt=attempt)
                await asyncio.sleep(self.wait_seconds * attempt)
            else:
                return
