"""Frames on their way to one widget socket: a bounded queue drained by one writer of its own.

A visitor who stops reading must slow down only themselves. Their frames wait in their socket's queue
and one task writes them, each within a send timeout. A full queue, or a send that times out, closes
that socket with 1008 "too slow to read"; whoever queues a reply never waits for the socket. Answers to
the visitor's own frames wait for room instead, which holds a sender to the pace they read at.
"""

from __future__ import annotations

import asyncio

import structlog
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

log = structlog.get_logger()

CLOSE_TOO_SLOW = 1008
TOO_SLOW = "too slow to read"


class Outbox:
    """One socket's outgoing frames and the one task that writes them; stop it when the socket ends."""

    def __init__(self, socket: ServerConnection, visitor_id: str, *, size: int, send_timeout: float) -> None:
        self.socket = socket
        self._visitor_id = visitor_id
        self._send_timeout = send_timeout
        self._frames: asyncio.Queue[str] = asyncio.Queue(size)
        self._open = True
        self._closing: asyncio.Task[None] | None = None
        self._writer = asyncio.create_task(self._write())

    def put(self, frame: str) -> bool:
        """Queue ``frame`` without waiting; False when the socket is closed or given up as too slow."""
        if not self._open:
            return False
        try:
            self._frames.put_nowait(frame)
        except asyncio.QueueFull:
            self._give_up("queue_full")
            return False
        return True

    async def answer(self, frame: str) -> bool:
        """Queue an answer to the visitor's own frame, waiting for room; False when the socket is given up.

        The visitor's next frame is read only after this returns, so one who sends faster than they
        read is held to the pace they read at instead of being closed; one who stops reading
        altogether is closed when no room comes within the send timeout.
        """
        if not self._open:
            return False
        try:
            async with asyncio.timeout(self._send_timeout):
                await self._frames.put(frame)
        except TimeoutError:
            self._give_up("queue_full")
            return False
        return self._open

    async def stop(self) -> None:
        """Stop writing; returns once no task of this outbox is left running."""
        self._open = False
        self._writer.cancel()
        # asyncio.wait neither raises the writer's cancellation nor swallows one aimed at the caller.
        await asyncio.wait([self._writer])
        if self._closing is not None:
            await asyncio.wait([self._closing])

    async def _write(self) -> None:
        while True:
            frame = await self._frames.get()
            try:
                async with asyncio.timeout(self._send_timeout):
                    await self.socket.send(frame)
            except TimeoutError:
                self._give_up("send_timeout")
                return
            except ConnectionClosed:
                self._open = False
                return

    def _give_up(self, why: str) -> None:
        if self._closing is not None:
            return
        self._open = False
        log.warning("webchat_too_slow", visitor_id=self._visitor_id, why=why, queued=self._frames.qsize())
        if asyncio.current_task() is not self._writer:
            self._writer.cancel()
        self._closing = asyncio.create_task(self._close())

    async def _close(self) -> None:
        try:
            async with asyncio.timeout(self._send_timeout):
                await self.socket.close(CLOSE_TOO_SLOW, TOO_SLOW)
        except TimeoutError:
            # The close frame waits behind the frames the visitor does not read, and websockets' close
            # waits for it to be written: only dropping the TCP connection frees the socket.
            self.socket.transport.abort()
