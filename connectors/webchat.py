"""Web-chat widget connector: visitors' websocket frames in, operators' replies out.

Frames from the widget (JSON text):
    {"type": "hello", "token": "<visitor token>"}       first, once
    {"type": "message", "id": "<client id>", "text": "..."}
Frames to the widget:
    {"type": "welcome", "visitor_id": "..."}
    {"type": "accepted", "id": "<client id>"}           the message is durably queued
    {"type": "reply", "id": "...", "text": "...", "at": "..."}
    {"type": "queue", "position": 3}                    nobody is free yet: the visitor's place
    {"type": "error", "code": "...", "detail": "..."}   the frame changed nothing
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from domain.channels import Channel
from domain.errors import InvalidInboundMessage
from domain.identities import conversation_id
from domain.inbound import MAX_ID_LENGTH, InboundMessage

log = structlog.get_logger()

HELLO_TIMEOUT_SECONDS = 10.0
CLOSE_TOKEN_MISSING = 4401
CLOSE_TOKEN_INVALID = 4403

VerifyVisitor = Callable[[str], str | None]
Publish = Callable[[InboundMessage], Awaitable[None]]


class FrameError(Exception):
    """A widget frame that cannot be accepted; ``code`` names the problem."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def parse_frame(raw: str | bytes) -> dict[str, Any]:
    """Decode one widget frame, or raise FrameError saying what is wrong."""
    if isinstance(raw, bytes):
        raise FrameError("binary_frame", "frames must be JSON text, not binary")
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        raise FrameError("invalid_json", "the frame is not valid JSON (or nested too deeply)") from None
    if not isinstance(frame, dict):
        raise FrameError("invalid_frame", "a frame must be a JSON object")
    kind = frame.get("type")
    if kind == "hello":
        return frame
    if kind == "message":
        client_id, text = frame.get("id"), frame.get("text")
        if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_ID_LENGTH // 2:
            raise FrameError("invalid_message", "a message needs an 'id' of 1..128 characters")
        if not isinstance(text, str) or not text.strip():
            raise FrameError("invalid_message", "a message needs a non-empty 'text'")
        if "\x00" in text:
            raise FrameError("invalid_message", "a message's 'text' must not contain NUL characters")
        return frame
    raise FrameError("unknown_type", f"unknown frame type {kind!r}; expected 'hello' or 'message'")


def _message_frame(raw: str | bytes) -> dict[str, Any]:
    frame = parse_frame(raw)
    if frame["type"] == "hello":
        raise FrameError("already_greeted", "hello was already received on this connection")
    return frame


def error_frame(code: str, detail: str) -> str:
    """The frame that tells the widget what was refused."""
    return json.dumps({"type": "error", "code": code, "detail": detail})


class WebchatConnector:
    """Serves the widget's websocket and delivers replies to connected visitors."""

    def __init__(
        self,
        verify_visitor: VerifyVisitor,
        publish: Publish,
        origins: list[str],
        max_frame_bytes: int,
        source: str = "widget",
    ) -> None:
        self._verify = verify_visitor
        self._publish = publish
        self._origins = origins
        self._max_frame_bytes = max_frame_bytes
        self._source = source
        self._visitors: dict[str, set[ServerConnection]] = defaultdict(set)
        self._conversations: dict[str, str] = {}  # conversation id -> visitor id, for queue notices

    async def serve(self, host: str, port: int) -> Server:
        """Start listening; origins and frame size are checked by the server."""
        return await serve(
            self._handle,
            host,
            port,
            origins=[Origin(o) for o in self._origins],
            max_size=self._max_frame_bytes,
        )

    async def deliver(self, outbound: dict[str, Any]) -> int:
        """Send a reply, or the visitor's place in the queue, to their open sockets; returns how many."""
        if outbound.get("kind") == "queue_position":
            visitor_id = self._conversations.get(str(outbound.get("conversation_id")), "")
            frame = json.dumps({"type": "queue", "position": outbound["position"]})
            return await self._send(visitor_id, frame, outbound)
        if outbound.get("channel") != Channel.WEBCHAT:
            return 0
        visitor_id = str(outbound.get("address", "")).partition(":")[2]
        reply = {"type": "reply", "id": outbound["reply_id"], "text": outbound["text"], "at": outbound["sent_at"]}
        return await self._send(visitor_id, json.dumps(reply), outbound)

    async def _send(self, visitor_id: str, frame: str, outbound: dict[str, Any]) -> int:
        sockets = list(self._visitors.get(visitor_id, ()))
        for socket in sockets:
            with contextlib.suppress(ConnectionClosed):
                await socket.send(frame)
        log.info(
            "webchat_delivered",
            kind=outbound.get("kind", "reply"),
            conversation_id=outbound.get("conversation_id"),
            sockets=len(sockets),
        )
        return len(sockets)

    async def _handle(self, socket: ServerConnection) -> None:
        visitor_id = await self._greet(socket)
        if visitor_id is None:
            return
        self._visitors[visitor_id].add(socket)
        self._conversations[str(conversation_id(Channel.WEBCHAT, visitor_id))] = visitor_id
        try:
            await socket.send(json.dumps({"type": "welcome", "visitor_id": visitor_id}))
            async for raw in socket:
                await self._on_frame(socket, visitor_id, raw)
        except ConnectionClosed as closed:
            log.info("webchat_closed", visitor_id=visitor_id, code=closed.rcvd.code if closed.rcvd else None)
        finally:
            self._visitors[visitor_id].discard(socket)
            if not self._visitors[visitor_id]:
                del self._visitors[visitor_id]
                self._conversations.pop(str(conversation_id(Channel.WEBCHAT, visitor_id)), None)

    async def _greet(self, socket: ServerConnection) -> str | None:
        try:
            raw = await asyncio.wait_for(socket.recv(), HELLO_TIMEOUT_SECONDS)
            frame = parse_frame(raw)
        except (TimeoutError, FrameError, ConnectionClosed):
            frame = {}
        token = frame.get("token") if frame.get("type") == "hello" else None
        if not isinstance(token, str) or not token:
            await socket.close(CLOSE_TOKEN_MISSING, "visitor token missing: send {type: hello, token} first")
            return None
        visitor_id = self._verify(token)
        if visitor_id is None:
            await socket.close(CLOSE_TOKEN_INVALID, "visitor token invalid or expired")
            return None
        return visitor_id

    async def _on_frame(self, socket: ServerConnection, visitor_id: str, raw: str | bytes) -> None:
        try:
            frame = _message_frame(raw)
            message = InboundMessage.from_visitor(
                visitor_id, frame["id"], frame["text"], datetime.now(tz=UTC), source=self._source
            )
        except FrameError as error:
            await socket.send(error_frame(error.code, error.detail))
            return
        except InvalidInboundMessage as error:
            await socket.send(error_frame("invalid_message", str(error)))
            return
        await self._publish(message)
        log.info("webchat_received", message_id=message.channel_message_id, visitor_id=visitor_id)
        await socket.send(json.dumps({"type": "accepted", "id": frame["id"]}))
