"""The operator's console socket: limits before authentication, then commands and live updates.

Before authenticating, a socket must send ``{"type": "auth", "token": ...}``
within ``AUTH_TIMEOUT_SECONDS`` in a frame of at most ``AUTH_MAX_FRAME_BYTES``,
and one address may hold only ``console_max_pending_sockets`` such sockets;
otherwise it is closed (4401, 1009) or refused. After it, a frame over
``console_max_frame_bytes`` closes with 1009, commands are rate limited per
operator, and every refused frame is answered with an error frame and changes
nothing: ``{"type": "error", "code": ..., "detail": ..., "request_id": ...}``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

import asyncpg
import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from application.errors import UnknownManager
from application.event_store import EventStore
from application.managers import ManagerLoad, manager_load
from domain.errors import DomainError
from domain.text import TextKind, is_clean
from services.console.accounts import Operator
from services.console.chat_queries import pinned
from services.console.client_address import client_address
from services.console.commands import MAX_REQUEST_ID, dispatch
from services.console.conversation_list import listed_conversations
from services.console.desk import Desk
from services.console.floods import Floods
from services.console.live import LiveUpdates, Seat
from services.console.presence import ConsolePresence
from services.console.request_body import BadInput, parse_object
from services.console.sales_access import SalesAccess
from services.console.sessions import SessionWatch
from services.settings import Settings


class Gateway(Protocol):
    """What the operator socket uses of the gateway that serves it."""

    settings: Settings
    floods: Floods
    pool: asyncpg.Pool
    store: EventStore
    live: LiveUpdates
    presence: ConsolePresence
    sessions: SessionWatch
    sales: SalesAccess

    async def operator_for(self, token: str) -> Operator | None:
        """The operator a session token belongs to."""


log = structlog.get_logger()

AUTH_TIMEOUT_SECONDS = 10.0
AUTH_MAX_FRAME_BYTES = 4096
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_UNAUTHENTICATED = 4401  # also when the session ends (logout, expiry, account changed): log in again


async def serve_console(gateway: Gateway, socket: WebSocket) -> None:
    """An operator's live console: origin-checked, authenticated by its first frame, then commands."""
    if socket.headers.get("origin") not in gateway.settings.origins:
        await socket.close(CLOSE_POLICY, "origin not allowed")
        return
    address = client_address(socket, gateway.settings.trusted_proxies)
    with gateway.floods.pending_sockets.waiting(address) as admitted:
        if not admitted:
            log.info("console_refused", why="too many sockets waiting to authenticate", address=address)
            await socket.close(CLOSE_POLICY, "too many consoles waiting to authenticate from your address")
            return
        await socket.accept()
        operator = await _authenticate(gateway, socket)
    if operator is not None:
        await _seated(gateway, socket, operator)


async def _authenticate(gateway: Gateway, socket: WebSocket) -> Operator | None:
    """The first frame must be {"type": "auth", "token": ...}, small and in time; anything else closes."""
    code, reason = CLOSE_UNAUTHENTICATED, "authenticate first with a valid session token"
    operator = None
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            message = await socket.receive()
        raw = message.get("text") or message.get("bytes") or b""
        if len(raw.encode() if isinstance(raw, str) else raw) > AUTH_MAX_FRAME_BYTES:
            code, reason = CLOSE_TOO_BIG, f"authenticate in a frame of at most {AUTH_MAX_FRAME_BYTES} bytes"
        else:
            frame = parse_object(raw)
            token = frame.get("token") if frame.get("type") == "auth" else None
            operator = await gateway.operator_for(token) if isinstance(token, str) else None
    except (TimeoutError, BadInput):
        pass
    if operator is None:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await socket.close(code, reason)
    return operator


async def _seated(gateway: Gateway, socket: WebSocket, operator: Operator) -> None:
    settings = gateway.settings
    seat = Seat(
        operator, socket, queue_frames=settings.console_queue_frames, send_timeout=settings.console_send_timeout
    )
    session_over = asyncio.Event()

    def end_session() -> None:
        session_over.set()
        seat.gone.set()

    gateway.sessions.watch(operator.session, end_session)
    gateway.live.join(seat)
    reading: asyncio.Task[None] | None = None
    try:
        await gateway.presence.opened(operator.manager_id)
        seat.open(await _first_page(gateway, seat))
        reading = asyncio.create_task(_read_commands(gateway, seat))
        # One event for the three ways a seat ends (the socket closes, it is given up, its session
        # ends) rather than a task waiting on each: a thousand consoles would hold two thousand.
        reading.add_done_callback(lambda _: seat.gone.set())
        await seat.gone.wait()
    finally:
        gateway.sessions.unwatch(operator.session, end_session)
        gateway.live.leave(seat)
        if reading is not None:
            reading.cancel()
            try:
                await reading
            except (asyncio.CancelledError, WebSocketDisconnect):
                pass
            except Exception:
                # Whatever ended the reading, the seat is closed and the operator counted out below.
                log.exception("console_reading_failed", manager_id=str(operator.manager_id))
        await seat.close()
        if session_over.is_set():
            log.info("console_session_over", manager_id=str(operator.manager_id))
            with contextlib.suppress(Exception):  # it may have gone already
                await seat.socket.close(
                    CLOSE_UNAUTHENTICATED, "your session ended (logout, expiry or an account change): log in again"
                )
        await gateway.presence.closed(operator.manager_id)


async def _first_page(gateway: Gateway, seat: Seat) -> dict[str, Any]:
    """The ``ready`` frame: a page of conversations, the work day, the pins.

    Read in a function of its own so that nothing of it outlives the sending: held by the
    console's handler for as long as the console is open, a page of rows costs more than
    everything else a console holds.
    """
    operator = seat.operator
    conversations, more = await listed_conversations(gateway.pool, operator)
    seat.known.update(c["id"] for c in conversations)
    return {
        "type": "ready",
        "operator": operator.as_dict(),
        "manager": await _manager(gateway.store, operator),
        "conversations": conversations,
        "next_cursor": more,
        "pinned": await pinned(gateway.pool, gateway.store, operator),
    }


async def _manager(store: EventStore, operator: Operator) -> ManagerLoad | None:
    """The operator's work day and load, for the console to show from the start; None for an account without one."""
    try:
        return await asyncio.to_thread(manager_load, store, operator.manager_id)
    except UnknownManager:
        return None


async def _read_commands(gateway: Gateway, seat: Seat) -> None:
    limit = gateway.settings.console_max_frame_bytes
    while True:
        message = await seat.socket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            await seat.answer(_error("invalid_frame", "frames must be JSON text, not binary", None))
            continue
        if len(raw.encode()) > limit:
            with contextlib.suppress(Exception):
                await seat.socket.close(CLOSE_TOO_BIG, f"frames may be at most {limit} bytes")
            return
        await _command(gateway, seat, raw)


async def _command(gateway: Gateway, seat: Seat, raw: str) -> None:
    """Carry out one operator command; errors go back as frames and change nothing."""
    manager_id = str(seat.operator.manager_id)
    frame: dict[str, Any] = {}
    problem: BadInput | None = None
    try:
        frame = parse_object(raw)
    except BadInput as error:
        problem = error
    request_id = _request_id(frame.get("request_id"))
    if not gateway.floods.commands.allow(manager_id):
        retry_after = max(1, gateway.floods.commands.retry_after(manager_id))
        log.info("console_rate_limited", manager_id=manager_id)
        await seat.answer(
            {**_error("rate_limited", "too many commands; slow down", request_id), "retry_after": retry_after}
        )
        return
    if problem is not None:
        await seat.answer(_error(problem.code, str(problem), None))
        return
    try:
        desk = Desk(gateway.store, gateway.pool, gateway.sales, gateway.settings.default_phone_region)
        reply = await dispatch(desk, seat.operator, frame)
    except (DomainError, ValueError) as error:
        await seat.answer(_error("refused", str(error), request_id))
        return
    except Exception:
        # The command failed on our side; the operator may retry with the same request id.
        log.exception("console_command_failed", command=str(frame.get("type"))[:40], manager_id=manager_id)
        await seat.answer(_error("internal", "not done; try again", request_id))
        return
    if reply.get("type") == "conversations":  # rows sent to this console: it is told when one leaves it
        seat.known.update(str(c["id"]) for c in reply["conversations"])
    await seat.answer({**reply, "request_id": request_id})


def _error(code: str, detail: str, request_id: Any) -> dict[str, Any]:  # noqa: ANN401 - echoed as the client sent it
    return {"type": "error", "code": code, "detail": detail, "request_id": request_id}


def _request_id(value: object) -> str | int | None:
    """The client's request id as it is echoed back: a short string or a whole number, else nothing."""
    if isinstance(value, str) and len(value) <= MAX_REQUEST_ID and is_clean(value, TextKind.IDENTIFIER):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
        return value
    return None
