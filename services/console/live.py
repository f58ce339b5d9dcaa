"""Live updates: read-model changes pushed to the operators allowed to see them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from asyncpg.pool import PoolConnectionProxy
from starlette.websockets import WebSocket

from services.console.accounts import Operator
from services.console.queries import conversations_by_id, messages_by_notification, plain
from services.projections.schema import Connection
from services.projections.tracking import NOTIFY_CHANNEL

log = structlog.get_logger()

RECHECK_SECONDS = 1.0  # how often a lost LISTEN connection is retried


@dataclass(eq=False)
class Seat:
    """One operator's open console socket."""

    operator: Operator
    socket: WebSocket
    known: set[str] = field(default_factory=set)
    # Live updates that arrive before the first page is sent wait here, so the console
    # sees its list first and then every change after it, none lost in between.
    held: list[str] | None = field(default_factory=list)

    async def open(self, first_page: dict[str, Any]) -> None:
        """Send the first page, then the updates held back while it was read."""
        held, self.held = self.held or [], None
        await self.send(first_page)
        for text in held:
            await self.send_text(text)

    async def send(self, frame: dict[str, Any]) -> None:
        """Send a frame; a socket that has gone is dropped by its handler."""
        await self._write(json.dumps(frame, default=str))

    async def send_text(self, text: str) -> None:
        """Send an encoded live update (held back until the first page is out)."""
        if self.held is not None:
            self.held.append(text)
            return
        await self._write(text)

    async def _write(self, text: str) -> None:
        with contextlib.suppress(Exception):  # a socket that has gone is dropped by its handler
            await self.socket.send_text(text)


class LiveUpdates:
    """Listens to the projections' notifications and fans them out to seats."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._seats: set[Seat] = set()
        self._listener: PoolConnectionProxy[asyncpg.Record] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._lost = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening on a dedicated connection, and again whenever that connection is lost."""
        await self._listen()
        self._keeper = asyncio.create_task(self._keep_listening())

    async def stop(self) -> None:
        """Stop listening and release the connection."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        if self.listening:
            assert self._listener is not None
            await self._listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await self._pool.release(self._listener)
        self._listener = None

    def join(self, seat: Seat) -> None:
        """Start sending updates to a seat."""
        self._seats.add(seat)

    def leave(self, seat: Seat) -> None:
        """Stop sending updates to a seat."""
        self._seats.discard(seat)

    async def _listen(self) -> None:
        listener = await self._pool.acquire()
        try:
            listener.add_termination_listener(lambda _: self._lost.set())
            await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        except BaseException:
            await self._pool.release(listener)
            raise
        self._listener = listener
        self._lost.clear()

    async def _keep_listening(self) -> None:
        """After PostgreSQL restarts, LISTEN again on a new connection (retrying while it is down)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), RECHECK_SECONDS)
            if self.listening:
                continue
            if self._listener is not None:
                with contextlib.suppress(Exception):  # a dead connection: the pool replaces it
                    await self._pool.release(self._listener)
                self._listener = None
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("live_updates_not_listening", reason=str(error) or type(error).__name__)
            else:
                log.info("live_updates_listening_again")

    @property
    def listening(self) -> bool:
        """Whether the notification connection is up."""
        if self._listener is None:
            return False
        try:
            return not self._listener.is_closed()
        except asyncpg.InterfaceError:  # the connection died and the pool took it back
            return False

    def _on_notify(self, _conn: Connection, _pid: int, _channel: str, payload: object) -> None:
        task = asyncio.get_running_loop().create_task(self._push(str(payload)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _push(self, payload: str) -> None:
        if not self._seats:
            return
        changed = json.loads(payload)
        conversations = await conversations_by_id(self._pool, [UUID(c) for c in changed.get("c", [])])
        messages = await messages_by_notification(self._pool, [int(m) for m in changed.get("m", [])])
        # Each frame is encoded once, and every seat is sent to at the same time: a slow
        # console does not hold up the others.
        updates = [(row, _encode({"type": "conversation", "conversation": plain(row)})) for row in conversations]
        news = [(row, _encode({"type": "message", "message": plain(row)})) for row in messages]
        await asyncio.gather(*(_push_to(seat, updates, news) for seat in list(self._seats)))


async def _push_to(
    seat: Seat, updates: list[tuple[asyncpg.Record, str]], news: list[tuple[asyncpg.Record, str]]
) -> None:
    for row, frame in updates:
        key = str(row["id"])
        if seat.operator.may_see(row["manager_id"], row["offered_to"]):
            seat.known.add(key)
            await seat.send_text(frame)
        elif key in seat.known:  # taken by someone else, or moved away: gone from this console
            seat.known.discard(key)
            await seat.send_text(_encode({"type": "conversation_removed", "id": key}))
    for row, frame in news:
        if seat.operator.may_see(row["manager_id"], row["offered_to"]):
            await seat.send_text(frame)


def _encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, default=str)
