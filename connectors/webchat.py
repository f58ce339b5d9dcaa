"""Web-chat widget connector: visitors' websocket frames in, operators' replies out.

Frames from the widget (JSON text):
    {"type": "hello", "token": "<visitor token>"}       first, once
    {"type": "message", "id": "<client id>", "text": "..."}
    {"type": "typing"}                                  the visitor is typing (shown to operators, not stored)
    {"type": "introduce", "name": ..., "email": ..., "phone": ..., "consent": true}   the pre-chat form
Frames to the widget:
    {"type": "welcome", "visitor_id": "..."}
    {"type": "accepted", "id": "<client id>"}           the message is durably queued
    {"type": "reply", "id": "...", "text": "...", "at": "...", "operator": "<name>"}
    {"type": "introduced"}                              the form was taken: the messages after it carry it
    {"type": "typing", "operator": "<name>"}            an operator is typing
    {"type": "closed"}                                  the conversation was closed: the widget asks for a rating
    {"type": "queue", "position": 3}                    nobody is free yet: the visitor's place
    {"type": "error", "code": "...", "detail": "..."}   the frame changed nothing ("rate_limited" and
                                                        "unavailable" also say when to send it again)
    {"type": "error", "code": "rate_limited", "detail": "...", "retry_after": 2}

Strangers are held off at the door (``WidgetLimits``): a hello within a time and a small size, caps on
sockets per client address and per visitor (closed with 1013 and a reason), a rate of frames per visitor,
and a socket too slow to read its frames is closed with 1008 rather than hold up anyone else's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import structlog
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from connectors.client_address import Network, client_of
from connectors.rate_limit import RateLimiter
from connectors.webchat_chat import CHAT_FRAMES, Typing, VisitorChat, is_typing, signal_frame
from connectors.webchat_limits import WidgetLimits
from connectors.webchat_outbox import Outbox
from domain import json_input
from domain.channels import Channel
from domain.chat_signal import ChatSignal
from domain.errors import InvalidInboundMessage
from domain.identities import conversation_id
from domain.inbound import MAX_ID_LENGTH, MAX_TEXT_LENGTH, InboundMessage
from domain.outbound import OutboundMessage, QueuePosition
from domain.text import InvalidText, TextKind, checked_text, is_clean

log = structlog.get_logger()

CLOSE_TOKEN_MISSING = 4401
CLOSE_TOKEN_INVALID = 4403
UNAVAILABLE_RETRY_SECONDS = 2
CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN_LATER = 1013
MAX_CLIENT_ID_LENGTH = MAX_ID_LENGTH // 2  # the visitor id and a slash come before it in the message id
MAX_TOKEN_LENGTH = 4096

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
        frame = json_input.loads(raw)
    except ValueError:  # not JSON, not UTF-8, or nested too deeply
        raise FrameError("invalid_json", "the frame is not valid JSON (or nested too deeply)") from None
    if not isinstance(frame, dict):
        raise FrameError("invalid_frame", "a frame must be a JSON object")
    kind = frame.get("type")
    if kind == "hello":
        return frame
    if kind == "message":
        _check_field(frame, "id", f"an 'id' of 1..{MAX_CLIENT_ID_LENGTH} characters", MAX_CLIENT_ID_LENGTH)
        _check_field(frame, "text", "a non-empty 'text'", MAX_TEXT_LENGTH, TextKind.TEXT)
        return frame
    if kind in CHAT_FRAMES:
        return frame
    expected = "'hello', 'message', 'typing' or 'introduce'"
    raise FrameError("unknown_type", f"unknown frame type {kind!r:.60}; expected {expected}")


def _check_field(
    frame: dict[str, Any], name: str, needs: str, max_length: int, kind: TextKind = TextKind.IDENTIFIER
) -> None:
    # The one text rule, here as well as in InboundMessage, so the visitor hears which field is wrong.
    try:
        checked_text(name, frame.get(name), max_length=max_length, kind=kind)
    except InvalidText as invalid:
        # Missing, empty or too long: say what a message needs; a character refused: say which.
        shape = invalid.problem.startswith(("must be a string", "must not be empty", "is longer"))
        raise FrameError("invalid_message", f"a message needs {needs}: {invalid}" if shape else str(invalid)) from None


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

    def __init__(  # noqa: PLR0913 - the connector's collaborators and its limits
        self,
        verify_visitor: VerifyVisitor,
        publish: Publish,
        origins: list[str],
        max_frame_bytes: int,
        source: str = "widget",
        limits: WidgetLimits | None = None,
        on_typing: Typing | None = None,
        phone_region: str = "",
    ) -> None:
        self._verify = verify_visitor
        self._publish = publish
        self._origins = origins
        self._max_frame_bytes = max_frame_bytes
        self._source = source
        self._limits = limits or WidgetLimits()
        self._messages = RateLimiter(self._limits.messages_per_second, self._limits.message_burst)
        self._chat = VisitorChat(on_typing, phone_region)
        self._visitors: dict[str, set[Outbox]] = defaultdict(set)
        self._conversations: dict[str, str] = {}  # conversation id -> visitor id, for queue notices
        self._open: Counter[str] = Counter()  # client address -> open sockets
        self._waiting_for_hello: Counter[str] = Counter()  # client address -> sockets not greeted yet

    async def serve(self, host: str, port: int) -> Server:
        """Start listening; origins and frame size are checked by the server."""
        return await serve(
            self._handle,
            host,
            port,
            origins=[Origin(o) for o in self._origins],
            max_size=self._max_frame_bytes,
        )

    async def deliver(self, outbound: OutboundMessage) -> int:
        """Queue a reply, or the visitor's place in the queue, for their open sockets; returns how many took it.

        Never waits for a socket: each writes its own frames, and one too slow to read is closed.
        """
        if isinstance(outbound, QueuePosition):
            visitor_id = self._conversations.get(str(outbound.conversation_id), "")
            frame = {"type": "queue", "position": outbound.position}
        elif outbound.channel is Channel.WEBCHAT:
            visitor_id = outbound.address.value
            at = outbound.sent_at.isoformat()
            frame = {"type": "reply", "id": str(outbound.reply_id), "text": outbound.text, "at": at}
            frame["operator"] = outbound.operator_name
        else:
            return 0
        outboxes = list(self._visitors.get(visitor_id, ()))
        encoded = json.dumps(frame)
        queued = sum(outbox.put(encoded) for outbox in outboxes)
        # Lets each writer take its frame before the next is queued, so a burst of deliveries
        # fills only the queues of sockets that really do not read.
        await asyncio.sleep(0)
        log.info("webchat_delivered", kind=outbound.kind, conversation_id=str(outbound.conversation_id), sockets=queued)
        return queued

    def signal(self, signal: ChatSignal) -> int:
        """Show a chat signal (an operator typing, the conversation closed) on the visitor's open sockets."""
        frame = signal_frame(signal)
        if frame is None:
            return 0
        return sum(outbox.put(frame) for outbox in list(self._visitors.get(signal.visitor_id, ())))

    def open_sockets(self, visitor_id: str) -> int:
        """How many sockets ``visitor_id`` holds open here (one being closed as too slow included)."""
        return len(self._visitors.get(visitor_id, ()))

    async def _handle(self, socket: ServerConnection) -> None:
        address = _client_address(socket, self._limits.trusted_proxies)
        if self._open[address] >= self._limits.sockets_per_address:
            await self._refuse(socket, address, "too many open sockets from this address")
            return
        if self._waiting_for_hello[address] >= self._limits.unauthenticated_per_address:
            await self._refuse(socket, address, "too many sockets waiting for hello from this address")
            return
        with _counted(self._open, address):
            with _counted(self._waiting_for_hello, address):
                visitor_id = await self._greet(socket)
            if visitor_id is None:
                return
            if self.open_sockets(visitor_id) >= self._limits.sockets_per_visitor:
                await self._refuse(socket, address, "too many open sockets for this visitor", visitor_id)
                return
            await self._converse(socket, visitor_id)

    async def _refuse(self, socket: ServerConnection, address: str, reason: str, visitor_id: str | None = None) -> None:
        log.warning("webchat_refused", address=address, visitor_id=visitor_id, reason=reason)
        await socket.close(CLOSE_TRY_AGAIN_LATER, reason)

    async def _converse(self, socket: ServerConnection, visitor_id: str) -> None:
        limits = self._limits
        outbox = Outbox(socket, visitor_id, size=limits.outbox_frames, send_timeout=limits.send_timeout)
        self._visitors[visitor_id].add(outbox)
        self._conversations[str(conversation_id(Channel.WEBCHAT, visitor_id))] = visitor_id
        try:
            outbox.put(json.dumps({"type": "welcome", "visitor_id": visitor_id}))
            async for raw in socket:
                await self._on_frame(outbox, visitor_id, raw)
        except ConnectionClosed as closed:
            log.info("webchat_closed", visitor_id=visitor_id, code=closed.rcvd.code if closed.rcvd else None)
        finally:
            self._visitors[visitor_id].discard(outbox)
            if not self._visitors[visitor_id]:
                del self._visitors[visitor_id]
                self._chat.forget(visitor_id)
                self._conversations.pop(str(conversation_id(Channel.WEBCHAT, visitor_id)), None)
            await outbox.stop()

    async def _greet(self, socket: ServerConnection) -> str | None:
        limits = self._limits
        try:
            raw: str | bytes | None = await asyncio.wait_for(socket.recv(), limits.hello_timeout)
        except (TimeoutError, ConnectionClosed):
            raw = None
        if raw is not None and len(raw if isinstance(raw, bytes) else raw.encode()) > limits.max_hello_bytes:
            # Before hello nobody is known: a stranger's frames are kept small.
            await socket.close(CLOSE_TOO_BIG, f"a frame before hello may be at most {limits.max_hello_bytes} bytes")
            return None
        try:
            frame = parse_frame(raw) if raw is not None else {}
        except FrameError:
            frame = {}
        token = frame.get("token") if frame.get("type") == "hello" else None
        if not isinstance(token, str) or not token:
            await socket.close(CLOSE_TOKEN_MISSING, "visitor token missing: send {type: hello, token} first")
            return None
        visitor_id = self._verify(token) if _plausible_token(token) else None
        if visitor_id is None:
            await socket.close(CLOSE_TOKEN_INVALID, "visitor token invalid or expired")
            return None
        return visitor_id

    async def _on_frame(self, outbox: Outbox, visitor_id: str, raw: str | bytes) -> None:
        if is_typing(raw):
            await self._typed(outbox, visitor_id)
            return
        # Every frame counts, refused ones too: each costs a parse and an answer.
        if not self._messages.allow(visitor_id):
            retry_after = self._messages.retry_after(visitor_id)
            await outbox.answer(rate_limited_frame(retry_after))
            log.warning("webchat_rate_limited", visitor_id=visitor_id, retry_after=retry_after)
            return
        try:
            frame = _message_frame(raw)
            if frame["type"] in CHAT_FRAMES:
                await self._chat_frame(outbox, visitor_id, frame)
                return
            profile = self._chat.profile(visitor_id)
            message = replace(
                InboundMessage.from_visitor(
                    visitor_id, frame["id"], frame["text"], datetime.now(tz=UTC), self._source, profile.name
                ),
                intake=profile.intake,
            )
        except FrameError as error:
            await outbox.answer(error_frame(error.code, error.detail))
            return
        except InvalidInboundMessage as error:
            await outbox.answer(error_frame("invalid_message", str(error)))
            return
        try:
            await self._publish(message)
        except Exception:  # whatever the broker says, the visitor is told and may send again
            log.exception("webchat_not_published", message_id=message.channel_message_id, visitor_id=visitor_id)
            await outbox.answer(unavailable_frame())
            return
        log.info("webchat_received", message_id=message.channel_message_id, visitor_id=visitor_id)
        await outbox.answer(json.dumps({"type": "accepted", "id": frame["id"]}))

    async def _typed(self, outbox: Outbox, visitor_id: str) -> None:
        retry_after = await self._chat.typed(visitor_id)
        if retry_after is not None:
            await outbox.answer(rate_limited_frame(retry_after))

    async def _chat_frame(self, outbox: Outbox, visitor_id: str, frame: dict[str, Any]) -> None:
        if frame["type"] == "typing":  # a typing frame not written the way the widget writes it
            await self._typed(outbox, visitor_id)
            return
        refused = self._chat.introduce(visitor_id, frame)
        await outbox.answer(error_frame("invalid_profile", refused) if refused else json.dumps({"type": "introduced"}))


def unavailable_frame(retry_after: int = UNAVAILABLE_RETRY_SECONDS) -> str:
    """The frame that says the message could not be queued now; nothing was accepted, send it again later."""
    return json.dumps(
        {
            "type": "error",
            "code": "unavailable",
            "detail": "the message could not be queued just now; send it again",
            "retry_after": retry_after,
        }
    )


def rate_limited_frame(retry_after: int) -> str:
    """The frame that tells the widget to wait ``retry_after`` seconds; nothing of the frame was published."""
    detail = f"too many messages; send again in {retry_after} s"
    return json.dumps({"type": "error", "code": "rate_limited", "detail": detail, "retry_after": retry_after})


def _plausible_token(token: str) -> bool:
    # Tokens are ASCII we signed; anything else (a lone surrogate would crash the check) is refused unread.
    return len(token) <= MAX_TOKEN_LENGTH and is_clean(token, TextKind.IDENTIFIER)


def _client_address(socket: ServerConnection, trusted_proxies: Sequence[Network]) -> str:
    address = socket.remote_address
    peer = str(address[0]) if isinstance(address, tuple) and address else None
    forwarded = socket.request.headers.get_all("X-Forwarded-For") if socket.request is not None else []
    return client_of(peer, forwarded, trusted_proxies)


@contextlib.contextmanager
def _counted(counts: Counter[str], key: str) -> Iterator[None]:
    counts[key] += 1
    try:
        yield
    finally:
        counts[key] -= 1
        if counts[key] <= 0:
            del counts[key]  # an address gone leaves nothing behind
