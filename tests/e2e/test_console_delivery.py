"""Each reply's delivery in the console, sent or failed with Telegram's reason; files to download and to send."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from devstack.demo import DEMO_PASSWORD
from services.console.console_page import PAGE as CONSOLE_PAGE
from services.settings import Settings
from tests.e2e.test_browser import assert_nothing_ran
from tests.e2e.test_telegram_roundtrip import post_update
from tests.services_running import RunningServices, load_demo, services
from tests.telegram_api import FakeBotApi
from tests.telegram_running import SECRET, TOKEN, webhook_url, with_bot

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 30_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"
BLOCKED_CHAT = 43
INVOICE = b"%PDF-1.4 an invoice"
PRICES = b"boots: 40 EUR"
FILE_NAME = '<img src=x onerror="window.pwned = 1">invoice.pdf'
HOSTILE_NAME = '<img src=x onerror="window.pwned = 2">Olga'


def test_replies_show_sent_or_why_not_and_attachments_download(settings: Settings, tmp_path: Path) -> None:
    assert CONSOLE_PAGE.is_file(), "build the console first: make console"
    with FakeBotApi(TOKEN) as api:
        api.blocked.add(BLOCKED_CHAT)
        api.add_file("invoice-file", INVOICE)
        configured = with_bot(settings, api)
        load_demo(configured)
        with services(configured, tmp_path / "logs") as running:
            asyncio.run(customers_write(configured, running, api))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                try:
                    page = browser.new_context(
                        viewport={"width": 1280, "height": 720}, accept_downloads=True
                    ).new_page()
                    director(page, configured)
                    replies_and_their_delivery(page, api)
                finally:
                    browser.close()


async def customers_write(settings: Settings, running: RunningServices, api: FakeBotApi) -> None:
    await running.healthy()
    await post_update(settings, api, 1, 42, "Do you deliver to Riga?")
    document = {"file_id": "invoice-file", "file_unique_id": "u-invoice", "file_name": FILE_NAME, "file_size": 19}
    await post(settings, 2, api.message(42, None, message_id=2, document=document, caption="Invoice"))
    # A customer whose name is markup: it is shown as their name, in text, wherever it is shown.
    sender = {"id": BLOCKED_CHAT, "is_bot": False, "first_name": HOSTILE_NAME}
    await post(settings, 3, api.message(BLOCKED_CHAT, "Call me back", message_id=3, **{"from": sender}))


async def post(settings: Settings, update_id: int, message: dict[str, object]) -> None:
    async with httpx.AsyncClient(timeout=WAIT_MS / 1000) as client:
        answer = await client.post(
            webhook_url(settings),
            json={"update_id": update_id, "message": message},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
    assert answer.status_code == httpx.codes.OK, answer.text


def director(page: Page, settings: Settings) -> None:
    page.goto(settings.console_url + "/")
    page.fill("#email", "clara@example.com")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login button")
    expect(page.locator("#list .row")).to_have_count(2, timeout=WAIT_MS)
    expect(page.locator("#list .row .icon").first).to_have_text("tg")


def replies_and_their_delivery(page: Page, api: FakeBotApi) -> None:
    # Each customer by the name their contact has, and the contact in the CRM beside the conversation.
    for name in (HOSTILE_NAME, "Ivan Petrov"):  # both wrote within a second: in either order
        expect(page.locator("#list .row .name").filter(has_text=name)).to_have_text(name, timeout=WAIT_MS)
    page.locator("#list .row", has_text="Ivan Petrov").click()
    expect(page.locator("#messages")).to_contain_text("Do you deliver to Riga?", timeout=WAIT_MS)
    expect(page.locator("#contact .name")).to_have_text("Ivan Petrov")
    expect(page.locator("#contact .in-crm")).to_be_visible(timeout=WAIT_MS)
    reply(page, "Yes, in two days.")
    expect(page.locator(".message.manager .delivery")).to_have_text("sent", timeout=WAIT_MS)

    # A file goes with a reply: uploaded first, then named by it, and sent as a document after the text.
    page.set_input_files("#attach", files=[{"name": "price list.txt", "mimeType": "text/plain", "buffer": PRICES}])
    expect(page.locator("#files .file")).to_contain_text("price list.txt", timeout=WAIT_MS)
    reply(page, "Our prices")
    expect(page.locator(".message.manager .delivery").last).to_have_text("sent", timeout=WAIT_MS)
    documents = [(s.chat_id, s.filename, s.content) for s in api.wait_for_sent(3, WAIT_MS / 1000) if s.filename]
    assert documents == [(42, "price list.txt", PRICES)]

    attachment = page.locator(".attachment button", has_text="invoice.pdf")
    expect(attachment).to_contain_text(FILE_NAME, timeout=WAIT_MS)
    with page.expect_download() as downloading:
        attachment.click()
    download = downloading.value
    assert Path(download.path()).read_bytes() == INVOICE
    assert_nothing_ran(page, "body")

    page.locator("#list .row", has_text="Olga").click()
    expect(page.locator("#messages")).to_contain_text("Call me back", timeout=WAIT_MS)
    expect(page.locator("#contact .name")).to_have_text(HOSTILE_NAME)
    expect(page.locator("#contact .in-crm")).to_be_visible(timeout=WAIT_MS)
    reply(page, "We will call you.")
    failed = page.locator(".message.manager .delivery.failed")
    expect(failed).to_contain_text("not delivered", timeout=WAIT_MS)
    expect(failed).to_contain_text("bot was blocked by the user")
    assert_nothing_ran(page, "body")
    page.screenshot(path=SCREENSHOTS / "delivery-failed.png")


def reply(page: Page, text: str) -> None:
    page.fill("#replyText", text)
    page.press("#replyText", "Enter")
    expect(page.locator("#messages .message:not(.pending) .text").last).to_have_text(text, timeout=WAIT_MS)
