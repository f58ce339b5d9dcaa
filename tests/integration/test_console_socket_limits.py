"""The console socket before and after authentication: limits close or refuse, never an internal error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from application.event_store import EventStore
from application.managers import register_manager
from services.console import operator_socket
from services.console.operator_socket import AUTH_MAX_FRAME_BYTES
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]

WAIT = 10.0
NESTED = "[" * 2000 + "]" * 2000  # deeper than the parser goes, smaller than an auth frame may be


async def session_token(settings: Settings) -> str:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        answer = await http.post("/api/login", json={"email": "anna@example.com", "password": PASSWORD})
    token: str = answer.json()["token"]
    return token


async def open_console(settings: Settings) -> ClientConnection:
    return await connect(f"ws://127.0.0.1:{settings.http_port}/ws/console", origin=Origin(settings.console_url))


async def closed_with(socket: ClientConnection) -> int | None:
    """The code the server closed the socket with, reading (and dropping) what came before."""
    async with asyncio.timeout(WAIT):
        try:
            while True:
                await socket.recv()
        except ConnectionClosed:
            return socket.close_code


async def next_frame(socket: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
    return frame


async def seated(settings: Settings) -> ClientConnection:
    socket = await open_console(settings)
    await socket.send(json.dumps({"type": "auth", "token": await session_token(settings)}))
    assert (await next_frame(socket))["type"] == "ready"
    return socket


@pytest.fixture
def anna(settings: Settings, store: EventStore) -> None:
    manager = register_manager(store, "anna", "anna@example.com", 5, "sales")
    asyncio.run(add_operator(settings, "anna@example.com", manager))


@pytest.mark.usefixtures("anna")
async def test_before_authenticating_a_socket_is_limited_in_time_size_and_number(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operator_socket, "AUTH_TIMEOUT_SECONDS", 0.5)
    limited = settings.model_copy(update={"console_max_pending_sockets": 2})
    async with serving(limited):
        first, second = await open_console(limited), await open_console(limited)
        with pytest.raises(InvalidStatus):  # a third one waiting from the same address is refused
            await open_console(limited)
        await first.send(json.dumps({"type": "auth", "token": "x" * AUTH_MAX_FRAME_BYTES}))
        assert await closed_with(first) == 1009
        assert await closed_with(second) == 4401  # said nothing in time

        for hostile in (NESTED, "[]", "{", json.dumps({"type": "auth", "token": "\ud800"}), b"\x00\x01"):
            socket = await open_console(limited)
            await socket.send(hostile)
            assert await closed_with(socket) == 4401, hostile[:20]

        # Those closed no longer count: the address may open consoles again, and they work.
        console = await seated(limited)
        await console.send(json.dumps({"type": "work_day", "action": "start", "request_id": "r1"}))
        assert (await next_frame(console))["type"] == "ack"
        await console.close()


@pytest.mark.usefixtures("anna")
async def test_after_authenticating_bad_frames_are_refused_and_the_socket_stays_open(settings: Settings) -> None:
    limited = settings.model_copy(update={"console_max_frame_bytes": 8192})
    async with serving(limited):
        console = await seated(limited)
        refused: list[tuple[str | bytes, str, str]] = [
            ("{", "invalid_json", "valid JSON"),
            (NESTED, "invalid_json", "nested"),
            ("[1]", "invalid_frame", "object"),
            (b"\x00binary", "invalid_frame", "binary"),
            (json.dumps({"type": "nonsense"}), "refused", "unknown command"),
            (
                json.dumps({"type": "reply", "conversation_id": "x", "text": "hi\ud800", "request_id": "r"}),
                "refused",
                "'text'",
            ),
            (
                json.dumps({"type": "reply", "conversation_id": "x", "text": "a\x00b", "request_id": "r"}),
                "refused",
                "'text'",
            ),
            (
                json.dumps({"type": "reply", "conversation_id": "x", "text": "hi", "request_id": "r\x00"}),
                "refused",
                "'request_id'",
            ),
            (json.dumps({"type": "work_day", "action": "start\ud800"}), "refused", "'action'"),
            (json.dumps({"type": "history", "conversation_id": "\udc00"}), "refused", "'conversation_id'"),
        ]
        for raw, code, says in refused:
            await console.send(raw)
            frame = await next_frame(console)
            assert (frame["type"], frame["code"]) == ("error", code), (raw[:80], frame)
            assert says in frame["detail"], (raw[:80], frame)

        await console.send(json.dumps({"type": "work_day", "action": "start", "request_id": "ok"}))
        assert (await next_frame(console))["request_id"] == "ok"

        # Commands past the operator's rate are answered rate_limited, each with when to try again.
        for n in range(30):
            await console.send(json.dumps({"type": "work_day", "action": "nonsense", "request_id": f"q{n}"}))
        answers = [await next_frame(console) for _ in range(30)]
        limited_answers = [a for a in answers if a["code"] == "rate_limited"]
        assert limited_answers
        assert all(a["retry_after"] >= 1 and a["request_id"].startswith("q") for a in limited_answers)

        await console.send("x" * 8193)
        assert await closed_with(console) == 1009

        again = await seated(limited)
        await again.close()
