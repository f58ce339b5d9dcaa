"""A web-chat connector on a real socket, and clients for it: well-behaved ones and one that stops reading."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from connectors.webchat import WebchatConnector
from connectors.webchat_limits import WidgetLimits
from domain.channels import Channel, ChannelAddress
from domain.identities import conversation_id
from domain.inbound import InboundMessage
from domain.outbound import OutboundReply
from services.ingest.service import VISITOR
from services.tokens import Signer

ORIGIN = "http://127.0.0.1:8080"
WAIT = 10.0
SIGNER = Signer("a test secret of sixteen characters or more")
MANAGER = UUID(int=1)


@dataclass
class Widget:
    """The connector, where it listens, and what it published."""

    connector: WebchatConnector
    url: str
    port: int
    published: list[InboundMessage] = field(default_factory=list)
    broker: dict[str, bool] = field(default_factory=dict)  # {"down": True} makes publishing fail

    async def visitor(self, visitor_id: str) -> ClientConnection:
        """A greeted visitor's socket, the welcome frame already read."""
        socket = await connect(self.url, origin=Origin(ORIGIN))
        await socket.send(json.dumps({"type": "hello", "token": token(visitor_id)}))
        assert (await frame(socket))["type"] == "welcome"
        return socket

    async def stranger(self, forwarded_for: str | None = None) -> ClientConnection:
        """A socket that has not said hello; ``forwarded_for`` is sent as X-Forwarded-For, as a proxy would."""
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
        return await connect(self.url, origin=Origin(ORIGIN), additional_headers=headers)

    async def reply(self, visitor_id: str, text: str, reply_id: str = "r1") -> int:
        """Deliver an operator's reply to ``visitor_id`` as the outbound follower does; ``reply_id`` names its id."""
        outbound = OutboundReply(
            conversation_id=conversation_id(Channel.WEBCHAT, visitor_id),
            reply_id=UUID(self.reply_id(reply_id)),
            manager_id=MANAGER,
            channel=Channel.WEBCHAT,
            address=ChannelAddress(Channel.WEBCHAT, visitor_id),
            text=text,
            sent_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        )
        return await self.connector.deliver(outbound)

    @staticmethod
    def reply_id(name: str) -> str:
        """The id of the reply delivered as ``name``, as the visitor's reply frame carries it."""
        return str(uuid5(NAMESPACE_URL, name))


def token(visitor_id: str) -> str:
    return SIGNER.issue(VISITOR, visitor_id, 600)


async def frame(socket: ClientConnection, timeout: float = WAIT) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout))
    return result


@asynccontextmanager
async def widget(limits: WidgetLimits) -> AsyncIterator[Widget]:
    """A connector listening on a free port of 127.0.0.1, with ``limits``."""
    published: list[InboundMessage] = []
    broker = {"down": False}

    async def publish(message: InboundMessage) -> None:
        if broker["down"]:
            msg = "the broker is unreachable"
            raise ConnectionError(msg)
        published.append(message)

    connector = WebchatConnector(
        verify_visitor=lambda t: SIGNER.subject(VISITOR, t),
        publish=publish,
        origins=[ORIGIN],
        max_frame_bytes=16_384,
        limits=limits,
    )
    server = await connector.serve("127.0.0.1", 0)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield Widget(connector, f"ws://127.0.0.1:{port}/", port, published, broker)
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), WAIT)


class StalledVisitor:
    """A greeted visitor on a plain TCP socket with a tiny receive buffer, who stops reading after welcome."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def connect(cls, port: int, visitor_id: str) -> StalledVisitor:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect, so the window stays small
        raw.setblocking(False)
        await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", port))
        # A small stream limit: the client's own buffer stops taking bytes soon after it stops reading.
        reader, writer = await asyncio.open_connection(sock=raw, limit=1024)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {ORIGIN}\r\n\r\n"
            ).encode()
        )
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
        assert response.startswith(b"HTTP/1.1 101"), response
        writer.write(_masked_text(json.dumps({"type": "hello", "token": token(visitor_id)})))
        welcome = await asyncio.wait_for(_server_frame(reader), WAIT)
        assert json.loads(welcome)["type"] == "welcome"
        return cls(reader, writer)

    async def read_to_the_end(self) -> int:
        """Read what the server sent until it drops the connection; the number of bytes read."""
        total = 0
        try:
            while chunk := await self._reader.read(65_536):
                total += len(chunk)
        except ConnectionResetError:
            pass
        return total

    def close(self) -> None:
        self._writer.transport.abort()


def _masked_text(text: str) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    if len(payload) < 126:
        head = struct.pack("!BB", 0x81, 0x80 | len(payload))
    else:
        head = struct.pack("!BBH", 0x81, 0x80 | 126, len(payload))
    return head + mask + masked


async def _server_frame(reader: asyncio.StreamReader) -> bytes:
    _, length = await reader.readexactly(2)
    if length == 126:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", await reader.readexactly(8))
    return await reader.readexactly(length)
