"""What every gateway answer tells a browser, and what it keeps to itself: /healthz and the response headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from application.event_store import EventStore
from application.managers import register_manager
from services.console import app as gateway_app
from services.console.accounts import Role
from services.console.health import check_health
from services.settings import MailboxSettings, Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]

# A mailbox that never connects: its error text names a host and a login, which strangers must not read.
SECRET_MAILBOX = MailboxSettings(
    name="sales",
    address="sales@shop.example",
    imap_host="imap.internal.example",
    username="sales-login",
    password=SecretStr("mailbox-password"),
)


async def token(http: httpx.AsyncClient, email: str) -> str:
    answer = await http.post("/api/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    found: str = answer.json()["token"]
    return found


async def test_strangers_get_a_bare_status_and_admins_the_details(settings: Settings, store: EventStore) -> None:
    settings = settings.model_copy(update={"mailboxes": [SECRET_MAILBOX]})
    for email, role in (("ada@example.com", Role.ADMIN), ("clara@example.com", Role.DIRECTOR)):
        await add_operator(settings, email, register_manager(store, email, email, 5, "sales"), role)
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        public = await http.get("/healthz")
        assert public.status_code == 503  # no ingest, router or projections running, the mailbox not connected
        assert public.json() == {"status": "degraded"}
        director = await http.get(
            "/healthz", headers={"Authorization": f"Bearer {await token(http, 'clara@example.com')}"}
        )
        assert director.json() == {"status": "degraded"}
        forged = await http.get("/healthz", headers={"Authorization": "Bearer not-a-session"})
        assert forged.json() == {"status": "degraded"}
        admin = await http.get("/healthz", headers={"Authorization": f"Bearer {await token(http, 'ada@example.com')}"})
        detail: dict[str, Any] = admin.json()
        assert (admin.status_code, detail["status"]) == (503, "degraded")
        assert detail["checks"]["postgres"] == {"ok": True}
        assert detail["checks"]["mail"]["mailboxes"]["sales"]["connected"] is False


async def test_health_is_checked_once_for_many_requests_within_a_few_seconds(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = []
    real = check_health

    async def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        checked.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(gateway_app, "check_health", counted)
    settings = settings.model_copy(update={"health_cache_seconds": 60.0})
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        answers = [await http.get("/healthz") for _ in range(20)]
        assert {a.json()["status"] for a in answers} == {"degraded"}
    assert len(checked) == 1


PAGES = ("/", "/widget", "/healthz", "/api/conversations", "/api/no-such-route", "/metrics")


async def test_every_answer_carries_the_security_headers_and_no_server_banner(settings: Settings) -> None:
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        answers = {path: await http.get(path) for path in PAGES}
        answers["/api/login (too large)"] = await http.post(
            "/api/login", content=b"x" * (settings.http_max_body_bytes + 1)
        )
        for path, answer in answers.items():
            headers = answer.headers
            assert "server" not in headers, path
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["referrer-policy"] == "no-referrer", path
            policy = headers["content-security-policy"]
            assert "default-src 'none'" in policy, path
            assert "'unsafe-inline'" not in policy, path
            assert "'unsafe-eval'" not in policy, path
        for path in ("/", "/api/conversations", "/healthz"):
            assert "frame-ancestors 'none'" in answers[path].headers["content-security-policy"], path
            assert answers[path].headers["x-frame-options"] == "DENY", path
        # Sites embed the widget: it may be framed, by any site unless the settings name them.
        widget = answers["/widget"].headers
        assert "frame-ancestors *" in widget["content-security-policy"]
        assert "x-frame-options" not in widget
        assert settings.webchat_url.rstrip("/") in widget["content-security-policy"]


async def test_the_widget_may_be_framed_only_by_the_sites_named(settings: Settings) -> None:
    settings = settings.model_copy(update={"widget_frame_ancestors": ["https://shop.example"]})
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        policy = (await http.get("/widget")).headers["content-security-policy"]
    assert "frame-ancestors https://shop.example;" in policy + ";"
