"""A web form embedded on another site, filled in a real browser (Debian's Chromium), ends as a routed lead
with its page, UTM parameters and consent; its manager reads the visitor's markup as text."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from devstack.demo import DEMO_PASSWORD
from devstack.ports import free_port
from domain.identities import manager_id
from services.settings import Settings
from tests.e2e.test_browser import CHROMIUM, WAIT_MS, assert_nothing_ran
from tests.form_harness import CONSENT, THANKS, admin_token, bearer, contact_form, define, submissions
from tests.services_running import load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

ANNA = manager_id("anna@example.com")
HOSTILE = '<img src=x onerror="window.pwned = 1">Please call after five'


@contextlib.contextmanager
def shop_site(root: Path) -> Iterator[str]:
    """Another site, on its own origin, serving ``root``; its origin."""
    port = free_port()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_form_on_another_site_is_sent_once_however_often_clicked_and_routed_with_its_source(
    settings: Settings, tmp_path: Path
) -> None:
    load_demo(settings)
    site_root = tmp_path / "site"
    site_root.mkdir()
    with shop_site(site_root) as site, services(settings, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        admin = asyncio.run(admin_token(settings))
        form = contact_form(responsible_manager_id=str(ANNA), allowed_origins=[site])
        form_id = asyncio.run(define(settings, admin, form))
        snippet = asyncio.run(_snippet(settings, admin, str(form_id)))
        (site_root / "offer.html").write_text(f"<!doctype html><title>Shop</title><h1>Offer</h1>{snippet}")
        page_url = f"{site}/offer.html?utm_source=newsletter&utm_campaign=spring"
        with sync_playwright() as playwright:
            # Root (as in CI) cannot use Chromium's sandbox; the pages are our own, on 127.0.0.1.
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                fill_and_send(browser.new_page(), page_url)
                with ThreadPoolExecutor(1) as apart:  # Playwright's own loop runs in this thread
                    (stored,) = apart.submit(asyncio.run, submissions(settings, admin, form_id, 1)).result()
                read_in_the_console(browser.new_page(), settings)
            finally:
                browser.close()
    assert stored["consent_text"] == CONSENT
    assert stored["source"] == {"page_url": page_url, "utm_source": "newsletter", "utm_campaign": "spring"}
    answers = {a["key"]: a["value"] for a in stored["answers"]}
    assert answers == {"name": "Ilze Bērziņa", "phone": "+371 2000 0000", "comment": HOSTILE}


async def _snippet(settings: Settings, admin: str, form_id: str) -> str:
    async with httpx.AsyncClient(base_url=settings.console_url, headers=bearer(admin)) as http:
        shown: dict[str, Any] = (await http.get(f"/api/forms/{form_id}")).json()
    snippet: str = shown["snippet"]
    return snippet


def fill_and_send(shop: Page, page_url: str) -> None:
    shop.goto(page_url)
    form = shop.locator(".switchboard-form form")
    expect(form).to_be_visible(timeout=WAIT_MS)
    form.locator("input[name=name]").fill("Ilze Bērziņa")
    form.locator("input[name=phone]").fill("+371 2000 0000")
    form.locator("textarea[name=comment]").fill(HOSTILE)
    # Without consent nothing is taken, and the visitor is told why beside the box.
    form.locator("button[type=submit]").click()
    expect(form).to_contain_text("must be accepted", timeout=WAIT_MS)
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").dblclick()
    expect(shop.locator(".switchboard-success")).to_have_text(THANKS, timeout=WAIT_MS)
    assert shop.evaluate("window.pwned") is None


def read_in_the_console(console: Page, settings: Settings) -> None:
    console.goto(settings.console_url + "/")
    console.fill("#email", "anna@example.com")
    console.fill("#password", DEMO_PASSWORD)
    console.click("#login button")
    expect(console.locator("#app")).to_be_visible(timeout=WAIT_MS)
    expect(console.locator("#list > div")).to_have_count(1, timeout=WAIT_MS)  # the double click made one
    console.locator("#list > div").first.click(timeout=WAIT_MS)
    expect(console.locator("#messages")).to_contain_text(HOSTILE, timeout=WAIT_MS)
    assert_nothing_ran(console, "#messages")
