"""Customers through the web-chat widget's websocket, as the browser widget talks to ingest.

A visitor whose socket drops reconnects and sends again every message not yet
accepted, with the same id, the way the widget must: ingest may have published
a message whose ``accepted`` frame was lost. Visitors who have nothing waiting
are closed, least recently active first, once more than ``max_open`` sockets are
open, the way real visitors leave; a long run then holds thousands of customers
without holding thousands of sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import OrderedDict

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin

from bench.customers import Touch
from services.settings import Settings
from services.tokens import Signer

VISITOR_TTL_SECONDS = 24 * 3600
GREETING_TIMEOUT_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 1.0
MAX_OPEN_SOCKETS = 2_000


class Widget:
    """Many visitors' sockets; tracks which messages ingest accepted."""

    def __init__(self, settings: Settings, max_open: int = MAX_OPEN_SOCKETS) -> None:
        self._url = settings.webchat_url
        self._origin = Origin(settings.console_url)
        self._signer = Signer(settings.require_secret())
        self._max_open = max_open
        self._visitors: OrderedDict[str, _Visitor] = OrderedDict()  # least recently active first
        self._leaving: set[asyncio.Task[None]] = set()
        self.accepted: set[str] = set()
        self.sent: set[str] = set()
        self.reconnects = 0
        self._changed = asyncio.Condition()

    async def send(self, touch: Touch) -> None:
        """Send one message from its visitor, connecting the visitor first if needed."""
        visitor = self._visitors.get(touch.visitor)
        if visitor is None:
            token = self._signer.issue("visitor", touch.visitor, VISITOR_TTL_SECONDS)
            visitor = self._visitors[touch.visitor] = _Visitor(self, touch.visitor, token)
        self._visitors.move_to_end(touch.visitor)
        self.sent.add(touch.channel_message_id)
        await visitor.send(touch.message_id, touch.text)
        self._let_idle_visitors_leave()

    def _let_idle_visitors_leave(self) -> None:
        excess = len(self._visitors) - self._max_open
        if excess <= 0:
            return
        for name in list(itertools.islice(self._visitors, excess)):
            if self._visitors[name].idle:
                leaving = asyncio.create_task(self._visitors.pop(name).close())
                self._leaving.add(leaving)
                leaving.add_done_callback(self._leaving.discard)

    @property
    def unaccepted(self) -> int:
        """Messages sent but not yet accepted."""
        return len(self.sent) - len(self.accepted)

    async def all_accepted(self, within: float) -> None:
        """Wait until ingest accepted every message sent; TimeoutError says how many are missing."""
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(lambda: self.unaccepted == 0)

    async def close(self) -> None:
        """Close every visitor's socket."""
        await asyncio.gather(*(v.close() for v in self._visitors.values()), *self._leaving)

    async def _accept(self, visitor: str, message_id: str) -> None:
        async with self._changed:
            self.accepted.add(f"{visitor}/{message_id}")
            self._changed.notify_all()

    def connect(self) -> connect:
        """A connection attempt to ingest's websocket."""
        return connect(self._url, origin=self._origin, open_timeout=5, close_timeout=1)


class _Visitor:
    def __init__(self, widget: Widget, visitor: str, token: str) -> None:
        self._widget = widget
        self._visitor = visitor
        self._hello = json.dumps({"type": "hello", "token": token})
        self._pending: dict[str, str] = {}
        self._socket: ClientConnection | None = None
        self._closing = False
        self._resending: asyncio.Task[None] | None = None
        self._task = asyncio.create_task(self._connected())

    @property
    def idle(self) -> bool:
        """Connected, with every message accepted: leaving now loses nothing."""
        return self._socket is not None and not self._pending

    async def send(self, message_id: str, text: str) -> None:
        self._pending[message_id] = text
        if self._socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._socket.send(_frame(message_id, text))

    async def _resend(self, socket: ClientConnection, retry_after: float) -> None:
        try:
            await asyncio.sleep(max(float(retry_after), 0.1))
            with contextlib.suppress(ConnectionClosed):
                for message_id, text in list(self._pending.items()):
                    await socket.send(_frame(message_id, text))
        finally:
            self._resending = None

    async def close(self) -> None:
        self._closing = True
        if self._socket is not None:
            await self._socket.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _connected(self) -> None:
        backoff = 0.05
        while not self._closing:
            try:
                async with self._widget.connect() as socket:
                    await socket.send(self._hello)
                    welcome = json.loads(await asyncio.wait_for(socket.recv(), GREETING_TIMEOUT_SECONDS))
                    if welcome.get("type") != "welcome":
                        msg = f"ingest refused the visitor: {welcome}"
                        raise ConnectionError(msg)
                    self._socket = socket
                    backoff = 0.05
                    for message_id, text in list(self._pending.items()):
                        await socket.send(_frame(message_id, text))
                    async for raw in socket:
                        frame = json.loads(raw)
                        if frame.get("type") == "accepted":
                            self._pending.pop(frame["id"], None)
                            await self._widget._accept(self._visitor, frame["id"])  # noqa: SLF001
                        elif frame.get("code") in {"rate_limited", "unavailable"} and self._resending is None:
                            # Nothing was published: send what is pending again when allowed, as the widget does.
                            self._resending = asyncio.create_task(self._resend(socket, frame.get("retry_after", 1)))
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, ValueError):
                pass
            finally:
                self._socket = None
            if not self._closing:
                self._widget.reconnects += 1
                await asyncio.sleep(backoff)  # back-off before reconnecting, as the widget does
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def _frame(message_id: str, text: str) -> str:
    return json.dumps({"type": "message", "id": message_id, "text": text})
