"""The widget embedded in a shop's page by its script tag, in Debian's Chromium, with operators on the console socket.

Themed by the tag, the pre-chat form first; the operator's typing and name shown, the visitor's typing
shown to the operator, a hidden note never on the page, and after closing the rating asked and stored.
With nobody available (no console open, or every work day ended) the widget offers the offline form
instead, live while its page is open, and the chat again as a manager comes; the message left in the
offline form becomes a lead whose contact has the visitor's e-mail.
A screenshot of the widget is left in the test's folder for a reviewer.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from bench.waiting import until
from devstack.demo import DEMO_PASSWORD
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.integration.console_frames import Frame, console, frames_until, session
from tests.services_running import load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 30_000
SHOP = "http://localhost:9/shop.html"  # another origin than the gateway, on this machine as the gateway is
NOTE = "hidden: ask the warehouse first"
LEFT = "Please call me about size 44 <script>alert(1)</script>"


async def command(socket: Any, frame: Frame) -> Frame:
    request_id = secrets.token_hex(8)
    await socket.send(json.dumps({**frame, "request_id": request_id}))
    return (await frames_until(socket, lambda f: f.get("request_id") == request_id))[-1]


def of(kind: str, **fields: Any) -> Any:
    return lambda f: f["type"] == kind and all(f.get(k) == v for k, v in fields.items())


def shop_page(settings: Settings) -> str:
    return (
        "<!doctype html><title>Shoes</title><h1>Shoes</h1>"
        f'<script src="{settings.console_url}/widget.js" data-color="#aa3300" data-title="Ask Shoes"'
        ' data-position="left" data-prechat="true" async></script>'
    )


def test_the_embedded_widget_shows_a_person_typing_names_and_asks_for_a_rating(
    settings: Settings, tmp_path: Path
) -> None:
    load_demo(settings)
    settings = settings.model_copy(update={"widget_availability_seconds": 1.0})  # the test waits for changes
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        asyncio.run(embedded(settings, tmp_path))


async def embedded(settings: Settings, folder: Path) -> None:
    await available(settings, expected=False)  # the demo's managers are at work, but no console is open
    async with async_playwright() as playwright:
        # Root (as in CI) cannot use Chromium's sandbox. The shop and the chat both live on this machine
        # here, where Chromium would hold the shop's page off the loopback address; on the web both are public.
        local = "LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights"
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", f"--disable-features={local}"]
        )
        consoles: dict[str, Any] = {}
        try:
            # A visitor whose page opened while nobody could chat is offered the chat as managers come.
            page = await shop(browser, settings)
            await expect(page.frame_locator("iframe").locator("#offline")).to_be_visible(timeout=WAIT_MS)
            for email in ("anna@example.com", "boris@example.com"):
                consoles[email] = await console(settings, await session(settings, email, DEMO_PASSWORD))
            await expect(page.frame_locator("iframe").locator("#offline")).to_be_hidden(timeout=WAIT_MS)
            await chat(page, settings, consoles, folder)

            # ... and, the page open, is offered the offline form as the last of them ends the work day.
            page = await shop(browser, settings)
            widget = page.frame_locator("iframe")
            await expect(widget.locator("#prechat")).to_be_visible(timeout=WAIT_MS)
            for socket in consoles.values():
                assert (await command(socket, {"type": "work_day", "action": "end"}))["type"] == "ack"
            await expect(widget.locator("#offline")).to_be_visible(timeout=WAIT_MS)
            await leave_a_message(page, settings, folder)
        finally:
            await browser.close()
            for socket in consoles.values():
                await socket.close()


async def shop(browser: Browser, settings: Settings) -> Page:
    """The shop's page in a browser context of its own: a new visitor, nothing kept from another."""
    page = await (await browser.new_context()).new_page()
    await page.route(SHOP, lambda route: route.fulfill(content_type="text/html", body=shop_page(settings)))
    await page.goto(SHOP)
    return page


async def available(settings: Settings, *, expected: bool) -> None:
    async with httpx.AsyncClient(base_url=settings.console_url) as http:

        async def answered() -> bool:
            response = await http.get("/api/widget/availability")
            assert response.json() in ({"available": True}, {"available": False})  # nothing else, ever
            return bool(response.json()["available"] is expected)

        await until(answered, WAIT_MS / 1000, f"availability {expected}", interval=0.2)


async def leave_a_message(page: Page, settings: Settings, folder: Path) -> None:
    widget = page.frame_locator("iframe")
    await expect(widget.locator("#offline")).to_be_visible(timeout=WAIT_MS)
    await expect(widget.locator("#off-notice")).to_contain_text("Nobody is online now")
    await expect(widget.locator("#send")).to_be_hidden()
    await expect(widget.locator("#prechat")).to_be_hidden()
    await widget.locator("#off-name").fill("Olga <i>Late</i>")
    await widget.locator("#off-text").fill(LEFT)
    await widget.locator("#offline button").click()
    await expect(widget.locator("#off-error")).to_contain_text("e-mail or a phone")
    await widget.locator("#off-email").fill("olga@example.com")
    await widget.locator("#offline button").click()
    await expect(widget.locator("#off-error")).to_contain_text("agree")
    await widget.locator("#off-consent").check()
    await widget.locator("#offline button").click()
    await expect(widget.locator("#left")).to_contain_text("we have your message", timeout=WAIT_MS)
    await expect(widget.locator("#offline")).to_be_hidden()
    await expect(widget.locator("#log")).to_contain_text(LEFT)  # as text: the script never runs
    await page.screenshot(path=folder / "widget-offline.png")
    assert await lead_of(settings, "olga@example.com") == ("Olga <i>Late</i>", LEFT)


async def lead_of(settings: Settings, email: str) -> tuple[str, str]:
    """The name on the contact with ``email`` and the text of its lead's conversation."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:

        async def found() -> tuple[str, str] | None:
            row = await pool.fetchrow(
                f"SELECT c.name, m.text FROM {LIVE_SCHEMA}.contacts c"
                f" JOIN {LIVE_SCHEMA}.leads l ON l.contact_id = c.id"
                f" JOIN {LIVE_SCHEMA}.messages m ON m.conversation_id = l.conversation_id"
                " WHERE $1 = ANY(c.emails)",
                email,
            )
            return (row["name"], row["text"]) if row is not None else None

        return await until(found, WAIT_MS / 1000, "the offline message's lead")
    finally:
        await pool.close()


async def chat(page: Page, settings: Settings, consoles: dict[str, Any], folder: Path) -> None:
    frame = page.locator("iframe")
    await expect(frame).to_have_css("left", "16px", timeout=WAIT_MS)
    widget = page.frame_locator("iframe")
    await expect(widget.locator("#title")).to_have_text("Ask Shoes", timeout=WAIT_MS)
    await expect(widget.locator("header")).to_have_css("background-color", "rgb(170, 51, 0)")

    # The pre-chat form first: an e-mail is taken only with consent.
    await expect(widget.locator("#prechat")).to_be_visible(timeout=WAIT_MS)
    await widget.locator("#pc-name").fill("Eva <b>Guest</b>")
    await widget.locator("#pc-email").fill("eva@example.com")
    await widget.locator("#prechat button").click()
    await expect(widget.locator("#pc-error")).to_contain_text("agree")
    await widget.locator("#pc-consent").check()
    await widget.locator("#prechat button").click()
    await expect(widget.locator("#prechat")).to_be_hidden()
    await expect(widget.locator("#state")).to_have_text("online", timeout=WAIT_MS)
    await widget.locator("#text").fill("Do you have size 42?")
    await widget.locator("#text").press("Enter")

    waits = {asyncio.ensure_future(frames_until(s, of("conversation"))): e for e, s in consoles.items()}
    done, pending = await asyncio.wait(waits, timeout=WAIT_MS / 1000, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    first = done.pop()
    holder = consoles[waits[first]]
    talk = first.result()[-1]["conversation"]
    cid = talk["id"]
    name = {"anna@example.com": "Anna Petrova", "boris@example.com": "Boris Ivanov"}[waits[first]]
    if not talk["customer_name"]:
        talk = (
            await frames_until(holder, lambda f: f["type"] == "conversation" and f["conversation"]["customer_name"])
        )[-1]["conversation"]
    assert talk["customer_name"] == "Eva <b>Guest</b>"  # the person, as they wrote it: shown as text by the console

    # Typing both ways.
    assert (await command(holder, {"type": "typing", "conversation_id": cid}))["sent"] is True
    await expect(widget.locator("#typing")).to_have_text(f"{name} is typing…", timeout=WAIT_MS)
    # At a slow typist's pace, past the widget's one signal every 3 s (its first went with the first message).
    await widget.locator("#text").press_sequentially("and 43", delay=700)
    await frames_until(holder, of("typing", conversation_id=cid, who="visitor"))

    # A note stays among the operators; the reply shows who answers.
    assert (await command(holder, {"type": "note", "conversation_id": cid, "text": NOTE}))["type"] == "ack"
    await command(holder, {"type": "reply", "conversation_id": cid, "text": "Yes, both sizes."})
    await expect(widget.locator("#log")).to_contain_text("Yes, both sizes.", timeout=WAIT_MS)
    await expect(widget.locator("#log .who")).to_have_text([name])
    await expect(widget.locator("#log")).not_to_contain_text(NOTE)

    # Closed: the widget asks for a rating, and the rating is stored on the conversation.
    assert (await command(holder, {"type": "close", "conversation_id": cid}))["type"] == "ack"
    await expect(widget.locator("#rating")).to_be_visible(timeout=WAIT_MS)
    await page.screenshot(path=folder / "widget-rating.png")
    await widget.locator("#stars button", has_text="4").click()
    await widget.locator("#rating-comment").fill("Quick answer")
    await widget.locator("#rating > button").click()
    await expect(widget.locator("#log")).to_contain_text("Thank you for your rating!", timeout=WAIT_MS)
    await expect(widget.locator("#log")).not_to_contain_text(NOTE)
    await page.screenshot(path=folder / "widget-rated.png")
    assert await rating_of(settings, UUID(cid)) == (4, "Quick answer")


async def rating_of(settings: Settings, conversation: UUID) -> tuple[int, str]:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:

        async def rated() -> tuple[int, str] | None:
            row = await pool.fetchrow(
                f"SELECT rating, rating_comment FROM {LIVE_SCHEMA}.conversations WHERE id = $1", conversation
            )
            return (row["rating"], row["rating_comment"]) if row is not None and row["rating"] else None

        return await until(rated, WAIT_MS / 1000, "the rating in the read model")
    finally:
        await pool.close()
