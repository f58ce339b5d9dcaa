"""The console's first frame carries the work day, and the gateway serves the built console with its policy."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from application.managers import register_manager
from application.work_day import change_work_day
from services.bootstrap import build_event_store, create_pool
from services.console.accounts import Role, add_account
from services.console.app import build_app
from services.console.console_page import PAGE
from services.settings import Settings
from tests.router_reactions import routed

pytestmark = pytest.mark.integration

PASSWORD = "secret-password"


@pytest.fixture
def http(settings: Settings) -> Iterator[TestClient]:
    store = build_event_store(settings)
    anna = register_manager(store, "anna", "anna@example.com", 7, settings.team)
    routed(store, change_work_day, anna, "start")
    store.close()

    async def accounts() -> None:
        pool = await create_pool(settings, size=1)
        await add_account(pool, "anna@example.com", anna, "anna", Role.MANAGER, PASSWORD)
        await pool.close()

    asyncio.run(accounts())
    with TestClient(build_app(settings)) as client:
        yield client


def ready(http: TestClient, settings: Settings, email: str) -> dict[str, object]:
    token = http.post("/api/login", json={"email": email, "password": PASSWORD}).json()["token"]
    with http.websocket_connect("/ws/console", headers={"origin": settings.console_url}) as socket:
        socket.send_json({"type": "auth", "token": token})
        frame: dict[str, object] = socket.receive_json()
    return frame


def test_the_first_frame_tells_the_work_day_and_load(http: TestClient, settings: Settings) -> None:
    frame = ready(http, settings, "anna@example.com")
    assert frame["type"] == "ready"
    assert frame["manager"] == {
        **frame["manager"],  # type: ignore[dict-item]
        "name": "anna",
        "work_day": "started",
        "open_leads": 0,
        "capacity": 7,
    }


def test_the_built_console_is_served_with_its_own_files_only(http: TestClient) -> None:
    assert PAGE.is_file(), "build the console first: make console"
    page = http.get("/")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page.text)
    assert {a.rsplit(".", 1)[-1] for a in assets} == {"js", "css"}
    for asset in assets:
        answer = http.get(asset)
        assert answer.status_code == 200, asset
        assert answer.headers["content-type"].split(";")[0] in {"text/javascript", "text/css"}
    assert http.get("/console/assets/missing.js").status_code == 404
