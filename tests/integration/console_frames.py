"""Console sockets for tests against a running gateway: log in, open, read frames until one says enough."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from services.settings import Settings

Frame = dict[str, Any]
WAIT = 60.0


async def session(settings: Settings, email: str, password: str) -> str:
    """A session token for ``email``."""
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        response = await http.post("/api/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def console(settings: Settings, token: str) -> ClientConnection:
    """An authenticated console socket, past its first page."""
    socket = await connect(f"ws://127.0.0.1:{settings.http_port}/ws/console", origin=Origin(settings.console_url))
    await socket.send(json.dumps({"type": "auth", "token": token}))
    await frames_until(socket, lambda frame: frame["type"] == "ready")
    return socket


async def frames_until(socket: ClientConnection, last: Callable[[Frame], bool], timeout: float = WAIT) -> list[Frame]:
    """Every frame up to and including the first for which ``last`` is true."""

    async def read() -> list[Frame]:
        seen: list[Frame] = []
        while True:
            frame: Frame = json.loads(await socket.recv())
            seen.append(frame)
            if last(frame):
                return seen

    return await asyncio.wait_for(read(), timeout)


async def command(socket: ClientConnection, frame: Frame) -> Frame:
    """Send a command and read its answer (live frames in between are skipped)."""
    request_id = f"r-{id(frame)}"
    await socket.send(json.dumps({**frame, "request_id": request_id}))
    frames = await frames_until(socket, lambda f: f.get("request_id") == request_id)
    return frames[-1]
