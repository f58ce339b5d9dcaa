"""Operators' console sockets: log in, then time every live push of a customer's message."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import datetime
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from services.settings import Settings


class Tally:
    """Message pushes received across many sockets, with a wait for a total."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.count = 0
        self._reached = asyncio.Event()
        self._target = 0

    def record(self, message_id: str, seconds: float) -> None:
        """One push of ``message_id`` arrived ``seconds`` after the message entered the pipeline."""
        self.latencies.setdefault(message_id, []).append(seconds)
        self.count += 1
        if self._target and self.count >= self._target:
            self._reached.set()

    async def reach(self, total: int, within: float) -> None:
        """Wait until ``total`` pushes arrived; TimeoutError after ``within`` seconds."""
        self._target = total
        if self.count >= total:
            return
        self._reached.clear()
        await asyncio.wait_for(self._reached.wait(), within)

    def all_latencies(self) -> list[float]:
        """Every push's latency in seconds."""
        return [s for values in self.latencies.values() for s in values]


async def log_in(settings: Settings, email: str, password: str) -> str:
    """A session token from the gateway's login route."""
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        response = await http.post("/api/login", json={"email": email, "password": password}, timeout=30)
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


class OperatorSocket:
    """One operator's /ws/console connection, recording message pushes into a tally."""

    def __init__(self, socket: ClientConnection, tally: Tally) -> None:
        self._socket = socket
        self._tally = tally
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, settings: Settings, token: str, tally: Tally) -> OperatorSocket:
        """Connect, authenticate and wait for the ``ready`` frame."""
        socket = await connect(
            f"ws://{settings.http_host}:{settings.http_port}/ws/console",
            origin=Origin(settings.console_url),
            open_timeout=30,
            max_queue=None,
        )
        await socket.send(json.dumps({"type": "auth", "token": token}))
        async with asyncio.timeout(30):
            # Live pushes may come before "ready": the seat joins before its first page is read.
            while (frame := json.loads(await socket.recv())).get("type") != "ready":
                if frame.get("type") not in ("conversation", "message", "conversation_removed"):
                    msg = f"the console refused the operator: {frame}"
                    raise ConnectionError(msg)
                _record(frame, tally)
        return cls(socket, tally)

    async def close(self) -> None:
        """Close the socket and stop reading."""
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._socket.close()

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self._socket:
                _record(json.loads(raw), self._tally)


def _record(frame: dict[str, Any], tally: Tally) -> None:
    """Time a push of a customer's message against the moment it entered the pipeline."""
    arrived = time.time()
    if frame.get("type") == "message" and frame["message"]["author"] == "customer":
        message = frame["message"]
        tally.record(message["message_id"], arrived - datetime.fromisoformat(message["at"]).timestamp())
