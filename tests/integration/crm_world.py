"""A sales organisation for the CRM's tests: two departments with their heads, a director and an admin.

north: Hanna (head), Anna and Boris; south: Sven (head) and Sam; Dora directs, Adam administers.
Everyone logs in with ``PASSWORD``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from starlette.testclient import TestClient

from application.departments import appoint_head
from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.receiving import ReceivedMessage
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, add_account
from services.console.app import build_app
from services.settings import Settings
from tests.projected import project

PASSWORD = "secret-password"
PEOPLE = {
    "hanna": ("north", Role.HEAD),
    "anna": ("north", Role.MANAGER),
    "boris": ("north", Role.MANAGER),
    "sven": ("south", Role.HEAD),
    "sam": ("south", Role.MANAGER),
    "dora": ("board", Role.DIRECTOR),
    "adam": ("board", Role.ADMIN),
}


@dataclass
class World:
    """The people's ids and session tokens, and the HTTP client of a gateway."""

    settings: Settings
    store: EventStore
    http: TestClient
    ids: dict[str, UUID]
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of ``who``'s session."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, url: str, **params: Any) -> httpx.Response:
        """GET as ``who``."""
        response: httpx.Response = self.http.get(url, params=params, headers=self.auth(who))
        return response

    def post(self, who: str, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """POST JSON as ``who``."""
        response: httpx.Response = self.http.post(url, json=body or {}, headers=self.auth(who))
        return response

    def send(self, method: str, who: str, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """Any method, JSON body, as ``who``."""
        response: httpx.Response = self.http.request(method, url, json=body, headers=self.auth(who))
        return response

    def projected(self) -> None:
        """Bring the read models up to the log."""
        asyncio.run(project(self.settings, self.store))


def people(store: EventStore, settings: Settings) -> dict[str, UUID]:
    """Register everyone, appoint the heads and give each an account."""
    ids = {
        name: register_manager(store, name.title(), f"{name}@example.com", 5, team)
        for name, (team, _) in PEOPLE.items()
    }
    appoint_head(store, "north", ids["hanna"])
    appoint_head(store, "south", ids["sven"])

    async def accounts() -> None:
        pool = await create_pool(settings, size=1)
        try:
            for name, (_, role) in PEOPLE.items():
                await add_account(pool, f"{name}@example.com", ids[name], name.title(), role, PASSWORD)
        finally:
            await pool.close()

    asyncio.run(accounts())
    return ids


def received_in_north(settings: Settings, *messages: InboundMessage) -> list[ReceivedMessage]:
    """``messages`` received as the north's ingest receives them: routed to the north's team."""
    north = build_event_store(settings.model_copy(update={"team": "north"}))
    try:
        return receive_messages(north, messages)
    finally:
        north.close()


@contextmanager
def world(store: EventStore, settings: Settings) -> Iterator[World]:
    """Everyone registered and logged in to a running gateway."""
    ids = people(store, settings)
    with TestClient(build_app(settings)) as http:
        tokens = {}
        for name in PEOPLE:
            response = http.post("/api/login", json={"email": f"{name}@example.com", "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[name] = response.json()["token"]
        yield World(settings, store, http, ids, tokens)
