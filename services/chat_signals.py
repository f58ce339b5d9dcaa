"""Chat signals between the gateway and ingest, over PostgreSQL notifications: ephemeral, never stored.

Both processes hold the database already; a notification reaches whoever listens now and nobody
later, which is what a typing indicator needs. Signals to the widget go on ``TO_VISITORS``, the
visitor's on ``FROM_VISITORS``, an operator's typing to colleagues on other gateways on ``AMONG_COLLEAGUES``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import asyncpg
import structlog
from asyncpg.pool import PoolConnectionProxy

from domain.chat_signal import ChatSignal, ColleagueTyping, InvalidChatSignal
from services.tables import Connection

log = structlog.get_logger()

TO_VISITORS = "switchboard_chat_to_visitors"
FROM_VISITORS = "switchboard_chat_from_visitors"
AMONG_COLLEAGUES = "switchboard_chat_among_colleagues"
RECHECK_SECONDS = 1.0


Signal = TypeVar("Signal", ChatSignal, ColleagueTyping)


async def send(pool: asyncpg.Pool, channel: str, signal: ChatSignal | ColleagueTyping) -> None:
    """Notify whoever listens on ``channel`` now."""
    await pool.execute("SELECT pg_notify($1, $2)", channel, signal.to_payload())


class SignalListener(Generic[Signal]):
    """Listens on one channel and hands each signal ``read`` reads to ``on_signal``; listens anew after a loss."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        channel: str,
        on_signal: Callable[[Signal], Awaitable[None]],
        read: Callable[[str], Signal],
    ) -> None:
        self._pool = pool
        self._channel = channel
        self._on_signal: Callable[[Signal], Awaitable[None]] = on_signal
        self._read: Callable[[str], Signal] = read
        self._connection: PoolConnectionProxy[asyncpg.Record] | None = None
        self._signals: asyncio.Queue[str] = asyncio.Queue(maxsize=10_000)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Listen now, and keep listening."""
        await self._listen()
        self._tasks = [asyncio.create_task(self._keep_listening()), asyncio.create_task(self._hand_on())]

    async def stop(self) -> None:
        """Stop listening and give the connection back."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a dead connection: the pool replaces it
                await self._connection.remove_listener(self._channel, self._heard)
                await self._pool.release(self._connection)
            self._connection = None

    async def _listen(self) -> None:
        connection = await self._pool.acquire()
        try:
            await connection.add_listener(self._channel, self._heard)
        except BaseException:
            await self._pool.release(connection)
            raise
        self._connection = connection

    async def _keep_listening(self) -> None:
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            connection = self._connection
            if connection is not None and not connection.is_closed():
                continue
            with contextlib.suppress(Exception):
                if connection is not None:
                    await self._pool.release(connection)
            self._connection = None
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("chat_signals_not_listening", channel=self._channel, reason=str(error))

    def _heard(self, _conn: Connection, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a signal late is worth nothing: drop, never wait
            self._signals.put_nowait(str(payload))

    async def _hand_on(self) -> None:
        while True:
            payload = await self._signals.get()
            try:
                await self._on_signal(self._read(payload))
            except InvalidChatSignal as error:
                log.warning("chat_signal_unreadable", channel=self._channel, reason=str(error))
            except Exception:
                log.exception("chat_signal_not_handed_on", channel=self._channel)
