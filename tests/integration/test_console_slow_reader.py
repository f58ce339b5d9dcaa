"""A console that stops reading is given up and closed; every other console is pushed to as before."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from application.event_store import EventStore
from application.managers import register_manager
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import NOTIFY_CHANNEL
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(240)]

CONVERSATIONS = 40  # pushed to every console in each round
SEND_TIMEOUT = 5.0
MOST_ROUNDS = 400


async def console(settings: Settings, email: str, *, stalls: bool = False) -> ClientConnection:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        token = (await http.post("/api/login", json={"email": email, "password": PASSWORD})).json()["token"]
    # A console that stalls takes one frame off the network and then nothing, into a small receive buffer
    # (a fixed buffer is not grown by the kernel, so the stall is reached in megabytes, not hundreds).
    tcp = socket.socket()
    if stalls:
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16_384)
    tcp.connect(("127.0.0.1", settings.http_port))
    tcp.setblocking(False)
    connection = await connect(
        f"ws://127.0.0.1:{settings.http_port}/ws/console",
        origin=Origin(settings.console_url),
        max_queue=1 if stalls else 16,
        sock=tcp,
    )
    await connection.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await asyncio.wait_for(connection.recv(), 10))["type"] == "ready"
    return connection


async def tasks_settled(at_most: int) -> int:
    """How many tasks there are once no more than ``at_most`` are left, or after ten seconds if more stay."""
    with contextlib.suppress(TimeoutError):  # tasks that stay are a leak: the caller's assertion names it
        async with asyncio.timeout(10):
            while len(asyncio.all_tasks()) > at_most:
                await asyncio.sleep(0.05)
    return len(asyncio.all_tasks())


async def add_conversations(pool: asyncpg.Pool) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(CONVERSATIONS)]
    await pool.executemany(
        f"INSERT INTO {LIVE_SCHEMA}.conversations (id, channel, thread, address, contact_id, status, opened_at,"
        " last_message, last_message_at) VALUES ($1, 'webchat', $2, $3, $4, 'open', now(), $5, now())",
        # Random text, which the socket's compression cannot shrink: each push is some kilobytes on the wire.
        [(uuid.UUID(i), i, f"webchat:{i}", uuid.uuid4(), secrets.token_urlsafe(6000)) for i in ids],
    )
    return ids


async def test_a_console_that_stops_reading_is_closed_without_delaying_the_others(
    settings: Settings, store: EventStore
) -> None:
    slow_to_read = settings.model_copy(update={"console_queue_frames": 50, "console_send_timeout": SEND_TIMEOUT})
    for name in ("anna", "boris"):
        await add_operator(slow_to_read, f"{name}@example.com", register_manager(store, name, f"{name}@x.org", 5, "s"))
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    async with serving(slow_to_read) as gateway:
        # Anna's console reads its first page and then nothing more, like a frozen browser tab.
        stalled = await console(slow_to_read, "anna@example.com", stalls=True)
        reader = await console(slow_to_read, "boris@example.com")
        received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def read() -> None:
            async for raw in reader:
                received.put_nowait(json.loads(raw))

        reading = asyncio.create_task(read())
        ids = await add_conversations(pool)
        tasks_at_start = len(asyncio.all_tasks())

        async def round_trip() -> float:
            """Push every conversation once; how long Boris waited for all of them."""
            started = time.monotonic()
            await pool.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, json.dumps({"c": ids, "m": []}))
            for _ in ids:
                frame = await asyncio.wait_for(received.get(), SEND_TIMEOUT)
                assert frame["type"] == "conversation"
            return time.monotonic() - started

        rounds = 0
        while gateway.live.consoles > 1:
            assert rounds < MOST_ROUNDS, "the console that stopped reading was never given up"
            assert await round_trip() < SEND_TIMEOUT / 2, "a push waited for the console that stopped reading"
            rounds += 1
        # Nothing is left behind per update: no task waiting on the stalled socket, none per push. The
        # gateway's own periodic work runs tasks of a moment too, so a count is taken once they are done.
        tasks_when_given_up = await tasks_settled(at_most=tasks_at_start)
        assert tasks_when_given_up <= tasks_at_start
        for _ in range(20):
            assert await round_trip() < SEND_TIMEOUT / 2
        assert await tasks_settled(at_most=tasks_when_given_up) <= tasks_when_given_up
        assert gateway.live.consoles == 1

        # Boris's console works as before.
        await reader.send(json.dumps({"type": "history", "conversation_id": ids[0], "request_id": "h1"}))
        while (frame := await asyncio.wait_for(received.get(), 10))["type"] != "history":
            pass
        assert frame["request_id"] == "h1"

        # Anna's console, reading again, finds it was closed, and why.
        async def read_to_the_end() -> None:
            while True:
                await stalled.recv()

        with pytest.raises(ConnectionClosed) as ended:
            await asyncio.wait_for(read_to_the_end(), 30)
        assert ended.value.rcvd is not None
        assert (ended.value.rcvd.code, ended.value.rcvd.reason) == (1008, "too slow to read")
        reading.cancel()
        await reader.close()
    await pool.close()
    assert rounds > 0
