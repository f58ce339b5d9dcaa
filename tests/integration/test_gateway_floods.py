"""Floods from one client address are held off with 429 and Retry-After; other clients go on."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from application.event_store import EventStore
from application.managers import register_manager
from services.console.floods import FAILED_LOGIN_BURST, HISTORY_BURST, LOGIN_BURST
from services.settings import Settings
from tests.integration.gateway_server import PASSWORD, add_operator, serving

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(120)]


def held_off(answer: httpx.Response, most: int) -> None:
    assert answer.status_code == 429, answer.text
    assert 1 <= int(answer.headers["retry-after"]) <= most
    assert answer.json()["retry_after"] == int(answer.headers["retry-after"])


async def test_new_visitors_and_history_are_limited_per_address(settings: Settings) -> None:
    # Refills slower than any machine sends the burst, so the request after it always finds the bucket empty.
    settings = settings.model_copy(update={"widget_history_seconds": 3600.0})
    async with serving(settings), httpx.AsyncClient(base_url=settings.console_url) as http:
        visitors = [await http.post("/api/widget/session", json={}) for _ in range(settings.widget_new_visitor_burst)]
        assert {v.status_code for v in visitors} == {200}
        held_off(await http.post("/api/widget/session", json={}), 30)
        # Saying it comes from elsewhere changes nothing: no proxy is trusted.
        faked = await http.post("/api/widget/session", json={}, headers={"X-Forwarded-For": "198.51.100.1"})
        held_off(faked, 30)
        # A visitor coming back is not new: their token is renewed, their conversation kept.
        back = await http.post("/api/widget/session", json={"token": visitors[0].json()["token"]})
        assert (back.status_code, back.json()["visitor_id"]) == (200, visitors[0].json()["visitor_id"])

        token = {"token": visitors[0].json()["token"]}
        histories = [await http.post("/api/widget/history", json=token) for _ in range(HISTORY_BURST)]
        assert {h.status_code for h in histories} == {200}
        held_off(await http.post("/api/widget/history", json=token), 3600)


async def test_logins_are_limited_per_address_and_failures_per_email(settings: Settings, store: EventStore) -> None:
    proxied = settings.model_copy(
        update={"trusted_proxies": [ipaddress.ip_network("127.0.0.1")], "login_seconds": 3600.0}
    )
    for name in ("anna", "boris"):
        email = f"{name}@example.com"
        await add_operator(proxied, email, register_manager(store, name, email, 5, "sales"))
    async with serving(proxied), httpx.AsyncClient(base_url=proxied.console_url) as http:

        async def log_in(email: str, password: str, address: str) -> httpx.Response:
            body = {"email": email, "password": password}
            return await http.post("/api/login", json=body, headers={"X-Forwarded-For": f"1.2.3.4, {address}"})

        # One address trying many e-mails is held off after its burst; another address is not.
        tries = [await log_in(f"nobody{n}@example.com", "guess", "198.51.100.1") for n in range(LOGIN_BURST)]
        assert {t.status_code for t in tries} == {401}
        held_off(await log_in("anna@example.com", PASSWORD, "198.51.100.1"), 3600)
        assert (await log_in("anna@example.com", PASSWORD, "198.51.100.2")).status_code == 200

        # Guessing one e-mail's password from many addresses is held off after a few failures.
        for n in range(FAILED_LOGIN_BURST):
            assert (await log_in("anna@example.com", "guess", f"203.0.113.{n}")).status_code == 401
        held_off(await log_in("Anna@example.com", PASSWORD, "203.0.113.200"), 60)
        assert (await log_in("boris@example.com", PASSWORD, "203.0.113.201")).status_code == 200
