"""The console and the widget in a real browser (Debian's Chromium): live chat, escaped output, history."""

from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bench.waiting import until
from devstack.demo import DEMO_PASSWORD
from services.console.console_page import PAGE as CONSOLE_PAGE
from services.settings import Settings
from tests.services_running import RunningServices, load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 30_000
HOSTILE = '<img src=x onerror="window.pwned = 1">Do you have size 42?'
LAGGING = "We ship them tomorrow."


def test_a_visitor_and_an_operator_chat_in_real_browsers(settings: Settings, tmp_path: Path) -> None:
    assert CONSOLE_PAGE.is_file(), "build the console first: make console"
    load_demo(settings)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        with sync_playwright() as playwright:
            # Root (as in CI) cannot use Chromium's sandbox; the pages are our own, on 127.0.0.1.
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                console, widget = browser.new_page(), browser.new_page()
                chat(console, widget, settings)
                reply_while_the_read_model_lags(console, widget, settings, running)
            finally:
                browser.close()


def log_in(console: Page, settings: Settings, email: str) -> None:
    """An operator at their console: someone the widget's visitors can chat with if their day is started."""
    console.goto(settings.console_url + "/")
    console.fill("#email", email)
    console.fill("#password", DEMO_PASSWORD)
    console.click("#login button")
    expect(console.locator("#app")).to_be_visible(timeout=WAIT_MS)


def chat(console: Page, widget: Page, settings: Settings) -> None:
    log_in(console, settings, "clara@example.com")
    # With nobody at work the widget would offer the offline form: the director starts her day to chat.
    console.click("[data-day=start]")
    expect(console.locator("#day")).to_have_text("work day: working", timeout=WAIT_MS)

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


def reply_while_the_read_model_lags(console: Page, widget: Page, settings: Settings, running: RunningServices) -> None:
    """A reply the visitor was shown stays when the widget is opened again before the history has it."""
    running.kill("projections")  # the read model stops where it is: the history will lack what follows
    console.fill("#replyText", LAGGING)
    console.press("#replyText", "Enter")
    expect(widget.locator("#log")).to_contain_text(LAGGING, timeout=WAIT_MS)

    widget.reload()
    expect(widget.locator("#state")).to_have_text("online", timeout=WAIT_MS)
    expect(widget.locator("#log")).to_contain_text(LAGGING)
    expect(widget.locator("#log")).to_contain_text("Yes, two pairs left.")

    # Once the read model catches up, the reply is in the history and shown once, in its place.
    running.start("projections")
    token = widget.evaluate("localStorage.getItem('switchboard.visitor')")
    with ThreadPoolExecutor(1) as apart:  # Playwright's own loop runs in this thread
        apart.submit(asyncio.run, history_has(settings, token, LAGGING)).result()
    widget.reload()
    expect(widget.locator("#state")).to_have_text("online", timeout=WAIT_MS)
    texts = widget.locator("#log > div > span").all_inner_texts()
    assert texts == [HOSTILE, "Yes, two pairs left.", LAGGING]


async def history_has(settings: Settings, token: str, text: str) -> None:
    async def has() -> bool:
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{settings.console_url}/api/widget/history", json={"token": token})
        return any(m["text"] == text for m in response.json()["messages"])

    await until(has, WAIT_MS / 1000, f"the widget history to have {text!r}", interval=0.2)


def assert_nothing_ran(page: Page, container: str) -> None:
    """The customer's markup was shown as text: no element was made of it, and no handler of it ran."""
    assert page.locator(f"{container} img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_a_visitor_held_off_by_the_rate_limit_loses_no_message(settings: Settings, tmp_path: Path) -> None:
    """Past the frame limit nothing is published; the widget sends again when told, and every message lands once."""
    limited = settings.model_copy(update={"webchat_message_burst": 2, "webchat_messages_per_second": 1.0})
    load_demo(limited)
    texts = [f"question {n}" for n in range(5)]
    with services(limited, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                log_in(browser.new_page(), limited, "anna@example.com")  # someone to chat with, or the offline form
                widget = browser.new_page()
                widget.goto(limited.console_url + "/widget")
                expect(widget.locator("#state")).to_have_text("online", timeout=WAIT_MS)
                for text in texts:
                    widget.fill("#text", text)
                    widget.press("#text", "Enter")
                    # A visitor's typing pace, at which a refill of the bucket falls between two messages:
                    # a later message must not be accepted before an earlier one held back.
                    widget.wait_for_timeout(400)
                # Every message is accepted in the end: none is left "sending…", none shown as an error.
                expect(widget.locator("#log .status")).to_have_count(0, timeout=WAIT_MS)
                assert widget.locator("#log > div > span").all_inner_texts() == texts
                token = widget.evaluate("localStorage.getItem('switchboard.visitor')")
            finally:
                browser.close()
        with ThreadPoolExecutor(1) as apart:
            apart.submit(asyncio.run, history_has(limited, token, texts[-1])).result()
        history = httpx.post(f"{limited.console_url}/api/widget/history", json={"token": token}).json()["messages"]
        assert [m["text"] for m in history] == texts
