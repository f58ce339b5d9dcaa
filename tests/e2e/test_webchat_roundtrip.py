"""A visitor writes in the widget, an operator is told live, replies, and the visitor reads it."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from bench.waiting import until
from devstack.demo import DEMO_PASSWORD
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.services_running import load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(180)]

WAIT = 30.0


async def next_frame(socket: ClientConnection, kind: str, timeout: float = WAIT) -> dict[str, Any]:
    """The next frame of ``kind``, skipping others."""

    async def read() -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = json.loads(await socket.recv())
            if frame["type"] == kind:
                return frame

    return await asyncio.wait_for(read(), timeout)


async def operator_socket(settings: Settings, email: str) -> ClientConnection:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        response = await http.post("/api/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    socket = await connect(f"ws://127.0.0.1:{settings.http_port}/ws/console", origin=Origin(settings.console_url))
    await socket.send(json.dumps({"type": "auth", "token": response.json()["token"]}))
    await next_frame(socket, "ready")
    return socket


async def visitor_socket(settings: Settings) -> tuple[ClientConnection, str]:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:
        session = (await http.post("/api/widget/session", json={})).json()
    socket = await connect(session["websocket_url"], origin=Origin(settings.console_url))
    await socket.send(json.dumps({"type": "hello", "token": session["token"]}))
    welcome = await next_frame(socket, "welcome")
    assert welcome["visitor_id"] == session["visitor_id"]
    return socket, session["visitor_id"]


def test_visitor_and_operator_talk_through_every_service(settings: Settings, tmp_path: Path) -> None:
    load_demo(settings)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(roundtrip(settings, running))


async def roundtrip(settings: Settings, running: Any) -> None:
    await running.healthy()
    anna = await operator_socket(settings, "anna@example.com")
    boris = await operator_socket(settings, "boris@example.com")
    visitor, visitor_id = await visitor_socket(settings)

    await visitor.send(json.dumps({"type": "message", "id": "m1", "text": "Do you deliver to Riga?"}))
    assert (await next_frame(visitor, "accepted"))["id"] == "m1"

    # Exactly one of the two working managers is told: the one routing chose.
    waits = {asyncio.ensure_future(next_frame(s, "conversation")): s for s in (anna, boris)}
    done, pending = await asyncio.wait(waits, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    assert done, "no operator was told of the conversation"
    first = done.pop()
    holder = waits[first]
    conversation = first.result()["conversation"]
    assert conversation["address"] == f"webchat:{visitor_id}"
    message = await next_frame(holder, "message")
    assert message["message"]["text"] == "Do you deliver to Riga?"
    (other_wait,) = pending
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(other_wait, 1.0)

    await holder.send(
        json.dumps(
            {"type": "reply", "conversation_id": conversation["id"], "text": "Yes, in two days.", "request_id": "r1"}
        )
    )
    assert (await next_frame(holder, "ack"))["request_id"] == "r1"
    reply = await next_frame(visitor, "reply")
    assert reply["text"] == "Yes, in two days."

    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        holder_email = "anna@example.com" if holder is anna else "boris@example.com"
        holder_id = await pool.fetchval("SELECT manager_id FROM operator_accounts WHERE email = $1", holder_email)

        async def assigned() -> Any:
            return await pool.fetchrow(
                f"SELECT c.manager_id, c.message_count, a.reasons FROM {LIVE_SCHEMA}.conversations c"
                f" JOIN {LIVE_SCHEMA}.assignments a ON a.conversation_id = c.id"
                " WHERE c.id = $1 AND c.message_count = 2",
                uuid.UUID(conversation["id"]),
            )

        row = await until(assigned, WAIT, "the read models to show the reply")
        assert row["manager_id"] == holder_id
        assert json.loads(row["reasons"])["strategy"] == "evenly"
    finally:
        await pool.close()
    for socket in (anna, boris, visitor):
        await socket.close()


def test_a_visitor_is_told_their_place_in_the_queue_when_nobody_is_free(settings: Settings, tmp_path: Path) -> None:
    with services(settings, tmp_path / "logs", ("ingest", "router", "gateway")) as running:
        asyncio.run(queued(settings, running))


async def queued(settings: Settings, running: Any) -> None:
    await running.healthy_except("projections")
    first, _ = await visitor_socket(settings)
    second, _ = await visitor_socket(settings)
    await first.send(json.dumps({"type": "message", "id": "m1", "text": "anyone there?"}))
    assert (await next_frame(first, "queue"))["position"] == 1
    await second.send(json.dumps({"type": "message", "id": "m1", "text": "hello?"}))
    assert (await next_frame(second, "queue"))["position"] == 2
    for socket in (first, second):
        await socket.close()
