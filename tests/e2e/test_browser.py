"""The console and the widget in a real browser (Debian's Chromium): live chat, escaped output, history."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from services.demo import DEMO_PASSWORD
from services.settings import Settings
from tests.services_running import load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 30_000
HOSTILE = '<img src=x onerror="window.pwned = 1">Do you have size 42?'


def test_a_visitor_and_an_operator_chat_in_real_browsers(settings: Settings, tmp_path: Path) -> None:
    load_demo(settings)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        with sync_playwright() as playwright:
            # Root (as in CI) cannot use Chromium's sandbox; the pages are our own, on 127.0.0.1.
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                chat(browser.new_page(), browser.new_page(), settings)
            finally:
                browser.close()


def chat(console: Page, widget: Page, settings: Settings) -> None:
    console.goto(settings.console_url + "/")
    console.fill("#email", "clara@example.com")
    console.fill("#password", DEMO_PASSWORD)
    console.click("#login button")
    expect(console.locator("#app")).to_be_visible(timeout=WAIT_MS)

    widget.goto(settings.console_url + "/widget")
    expect(widget.locator("#state")).to_have_text("online", timeout=WAIT_MS)
    widget.fill("#text", HOSTILE)
    widget.press("#text", "Enter")

    # The director sees the new conversation live, and the visitor's markup only as text.
    console.locator("#list > div").first.click(timeout=WAIT_MS)
    expect(console.locator("#messages")).to_contain_text(HOSTILE, timeout=WAIT_MS)
    assert_nothing_ran(console, "#messages")

    console.fill("#replyText", "Yes, two pairs left.")
    console.press("#replyText", "Enter")
    expect(widget.locator("#log")).to_contain_text("Yes, two pairs left.", timeout=WAIT_MS)

    # Opened again, the widget shows the whole conversation.
    widget.reload()
    expect(widget.locator("#log")).to_contain_text("Yes, two pairs left.", timeout=WAIT_MS)
    expect(widget.locator("#log")).to_contain_text(HOSTILE)
    assert_nothing_ran(widget, "#log")


def assert_nothing_ran(page: Page, container: str) -> None:
    """The customer's markup was shown as text: no element was made of it, and no handler of it ran."""
    assert page.locator(f"{container} img").count() == 0
    assert page.evaluate("window.pwned") is None
