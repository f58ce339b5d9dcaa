"""Sessions end at logout, at expiry, and when the account's password, role or existence changes; open
consoles are closed (4401) when theirs ends, and its token opens nothing any more."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from application.event_store import EventStore
from application.managers import register_manager
from services.console.accounts import Role, change_password, change_role, remove_account
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]

WAIT = 10.0
EMAIL = "anna@example.com"


async def logged_in(http: httpx.AsyncClient, password: str = PASSWORD) -> str:
    answer = await http.post("/api/login", json={"email": EMAIL, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


async def console(settings: Settings, token: str) -> ClientConnection:
    socket = await connect(f"ws://127.0.0.1:{settings.http_port}/ws/console", origin=Origin(settings.console_url))
    await socket.send(json.dumps({"type": "auth", "token": token}))
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
    assert frame["type"] == "ready"
    return socket


async def closed_with(socket: ClientConnection) -> tuple[int | None, str | None]:
    async with asyncio.timeout(WAIT):
        try:
            while True:
                await socket.recv()
        except ConnectionClosed:
            return socket.close_code, socket.close_reason


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def anna(settings: Settings, store: EventStore) -> Settings:
    asyncio.run(add_operator(settings, EMAIL, register_manager(store, "Anna", EMAIL, 5, "sales"), Role.MANAGER))
    # Expiry is checked this often; revocations are also told at once (NOTIFY).
    return settings.model_copy(update={"console_session_recheck_seconds": 0.2})


async def test_logout_ends_the_session_and_closes_its_consoles_only(anna: Settings) -> None:
    async with serving(anna), httpx.AsyncClient(base_url=anna.console_url) as http:
        mine, other = await logged_in(http), await logged_in(http)
        socket, kept = await console(anna, mine), await console(anna, other)
        assert (await http.get("/api/conversations", headers=bearer(mine))).status_code == 200
        out = await http.post("/api/logout", headers=bearer(mine))
        assert out.status_code == 200, out.text
        code, reason = await closed_with(socket)
        assert code == 4401
        assert "log in again" in (reason or "")
        assert (await http.get("/api/conversations", headers=bearer(mine))).status_code == 401
        assert (await http.post("/api/logout", headers=bearer(mine))).status_code == 401
        # The other session of the same operator goes on.
        assert (await http.get("/api/conversations", headers=bearer(other))).status_code == 200
        await kept.send(json.dumps({"type": "work_day", "action": "start", "request_id": "r1"}))
        assert json.loads(await asyncio.wait_for(kept.recv(), WAIT))["type"] == "ack"
        await kept.close()


Change = Callable[[asyncpg.Pool], Awaitable[object]]
CHANGES: dict[str, Change] = {
    "password changed": lambda pool: change_password(pool, EMAIL, "a new password of some length"),
    "account removed": lambda pool: remove_account(pool, EMAIL),
    "role changed": lambda pool: change_role(pool, EMAIL, Role.HEAD),
}


@pytest.mark.parametrize("change", list(CHANGES))
async def test_a_change_to_the_account_ends_its_sessions(anna: Settings, pool: asyncpg.Pool, change: str) -> None:
    async with serving(anna), httpx.AsyncClient(base_url=anna.console_url) as http:
        token = await logged_in(http)
        socket = await console(anna, token)
        await CHANGES[change](pool)
        assert (await closed_with(socket))[0] == 4401
        assert (await http.get("/api/conversations", headers=bearer(token))).status_code == 401


async def test_an_expired_session_closes_its_console(anna: Settings, pool: asyncpg.Pool) -> None:
    async with serving(anna), httpx.AsyncClient(base_url=anna.console_url) as http:
        token = await logged_in(http)
        socket = await console(anna, token)
        await pool.execute("UPDATE operator_sessions SET expires_at = now()")
        assert (await closed_with(socket))[0] == 4401
        assert (await http.get("/api/conversations", headers=bearer(token))).status_code == 401


async def test_a_role_changed_behind_the_sessions_back_is_not_trusted(anna: Settings, pool: asyncpg.Pool) -> None:
    async with serving(anna), httpx.AsyncClient(base_url=anna.console_url) as http:
        token = await logged_in(http)
        # Changed in the table by hand, without ending the sessions: the role the session was opened with rules.
        await pool.execute("UPDATE operator_accounts SET role = 'director'")
        assert (await http.get("/api/conversations", headers=bearer(token))).status_code == 401
