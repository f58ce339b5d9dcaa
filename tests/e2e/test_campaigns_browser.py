"""The console's Campaigns screen in Chromium: a manager makes a draft, reads its preview, starts it and sees it sent.

Her contact's name is markup: the preview shows it as text. The campaign goes to her own contact only,
not her colleague's, and the screen follows its progress until it is done.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright
from pydantic import SecretStr

from bench.waiting import until
from services.bootstrap import build_event_store
from services.console.console_page import PAGE as CONSOLE_PAGE
from services.settings import MailboxSettings, Settings
from tests.e2e.test_browser import HOSTILE, assert_nothing_ran
from tests.e2e.test_console import CHROMIUM, WAIT_MS
from tests.e2e.test_deal_board import signed_in
from tests.integration.crm_world import PASSWORD, people
from tests.mail_servers import SmtpSink
from tests.projected import project
from tests.services_running import services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]


def test_a_manager_previews_and_sends_a_campaign_to_her_own_contacts_in_the_console(
    settings: Settings, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    assert CONSOLE_PAGE.is_file(), "build the console first: make console"
    mailbox = MailboxSettings(
        name="sales", address="sales@shop.example", imap_host="127.0.0.1", username="sales",
        password=SecretStr("unused"), smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none",
    )  # fmt: skip
    settings = settings.model_copy(update={"mailboxes": [mailbox]})
    store = build_event_store(settings)
    try:
        people(store, settings)
        with services(settings, tmp_path / "logs", names=("gateway",)):
            _contacts_entered(settings)
            asyncio.run(project(settings, store))
            _sent_from_the_console(settings, smtp_sink)
    finally:
        store.close()


def _contacts_entered(settings: Settings) -> None:
    """Anna's customer, whose name is markup, and Boris's."""

    async def serving() -> bool:
        try:
            async with httpx.AsyncClient(base_url=settings.console_url) as http:
                return (await http.get("/api/openapi.json")).status_code == 200
        except httpx.TransportError:
            return False

    asyncio.run(until(serving, 60, "the gateway to serve", interval=0.2))
    with httpx.Client(base_url=settings.console_url) as http:
        for who, name in (("anna", HOSTILE), ("boris", "Bruno")):
            token = http.post("/api/login", json={"email": f"{who}@example.com", "password": PASSWORD}).json()
            answer = http.post(
                "/api/contacts",
                json={"name": name, "emails": [f"{who}-customer@example.org"]},
                headers={"Authorization": f"Bearer {token['token']}"},
            )
            assert answer.status_code == 201, answer.text


def _sent_from_the_console(settings: Settings, smtp_sink: SmtpSink) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            anna = signed_in(browser, settings, "anna", "campaigns")
            anna.fill("#campaigns [name=subject]", "Sizes for {first_name}")
            anna.fill("#campaigns [name=text]", "Dear {name},\nwinter tyres are in.")
            anna.click("#campaigns button[type=submit]")
            preview = anna.locator(".campaign-preview")
            expect(preview.locator(".count")).to_have_text("1", timeout=WAIT_MS)
            expect(preview.locator("pre")).to_contain_text(f"Dear {HOSTILE},", timeout=WAIT_MS)
            assert_nothing_ran(anna, "#campaigns")

            row = anna.locator("#campaigns [data-state=draft]")
            row.locator("[data-command=start]").click()
            done = anna.locator("#campaigns [data-state=done]")
            expect(done).to_contain_text("1 sent", timeout=WAIT_MS)
            assert [m.recipients for m in smtp_sink.wait_for(1)] == [("anna-customer@example.org",)]
            assert anna.evaluate("window.violations") == []
        finally:
            browser.close()
