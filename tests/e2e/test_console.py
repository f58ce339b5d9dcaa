"""The console in Debian's Chromium with two managers, a director and visitors at once, at 1280x720.

An offer reaches both managers (list, notification); one accepts in one click and the other loses it
and is refused its history; the holder replies (Enter, Shift+Enter) and sees the delivery; the gateway
is killed and started again while the visitor writes and the holder replies, and the console resumes
with every message once; a reload keeps the history; the work day goes round; the director moves
between conversations from the keyboard and filters them; the holder closes the conversation,
and a log-out brings the login back. Customer markup stays text throughout. Screenshots of each
screen go to ``.local/screenshots`` (not committed).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from devstack.demo import DEMO_PASSWORD
from services.console.console_page import PAGE as CONSOLE_PAGE
from services.settings import Settings
from tests.e2e.test_browser import HOSTILE, assert_nothing_ran
from tests.e2e.test_offers_and_timers import demo_with_rules
from tests.services_running import RunningServices, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 30_000
RESTART_MS = 90_000
# The screens as a reviewer sees them, at 1280x720: written by every browser test, never committed.
SCREENSHOTS = Path(
    os.environ.get("SWITCHBOARD_SCREENSHOTS") or Path(__file__).resolve().parents[2] / ".local" / "screenshots"
)
OFFER_TO_ALL = "rules:\n  - name: all\n    team: sales\n    strategy: offer_to_all\n"
FIRST_REPLY = "Yes, two pairs left.\nWhich colour?"
WHILE_AWAY = "Are you still there?"
AFTER_RECONNECT = "Back in a second."

# Every notification the page shows is recorded, as the operator would have read it.
RECORD_NOTIFICATIONS = """
window.notified = [];
const Shown = window.Notification;
window.Notification = class extends Shown {
  constructor(title, options) { window.notified.push({title, body: options && options.body}); super(title, options); }
  static get permission() { return Shown.permission; }
  static requestPermission() { return Shown.requestPermission(); }
};
"""


@pytest.mark.runs_long(57)
def test_operators_and_visitors_work_in_the_console(settings: Settings, tmp_path: Path) -> None:
    assert CONSOLE_PAGE.is_file(), "build the console first: make console"
    demo_with_rules(settings, OFFER_TO_ALL)
    with running_with_chromium(settings, tmp_path) as (running, browser):
        anna, boris = console(browser, settings, "anna"), console(browser, settings, "boris")
        visitor = widget(browser, settings)
        visitor.fill("#text", HOSTILE)
        visitor.press("#text", "Enter")

        conversation = offered_to_both_then_taken(anna, boris)
        holder_replies(boris, visitor)
        refused_to_another(anna, settings, conversation)

        running.kill("gateway")
        expect(boris.locator("#link")).not_to_have_text("live", timeout=WAIT_MS)
        visitor.fill("#text", WHILE_AWAY)
        visitor.press("#text", "Enter")
        boris.fill("#replyText", AFTER_RECONNECT)
        boris.press("#replyText", "Enter")
        expect(boris.locator(".message.pending")).to_contain_text("sending…")
        running.start("gateway")
        resumed_with_every_message_once(boris, visitor)

        boris.reload()
        expect(texts(boris)).to_have_text(everything(), timeout=WAIT_MS)
        assert_nothing_ran(boris, "body")

        work_day_goes_round(anna)
        director_moves_and_filters(browser, settings)
        closed_by_its_holder(boris, conversation)
        logged_out(anna)


@contextmanager
def running_with_chromium(settings: Settings, tmp_path: Path) -> Iterator[tuple[RunningServices, Browser]]:
    """Every service running, healthy, and Debian's Chromium to drive; screenshots go to ``SCREENSHOTS``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with services(settings, tmp_path / "logs") as running:
        asyncio.run(running.healthy())
        with sync_playwright() as playwright:
            # Root (as in CI) cannot use Chromium's sandbox; the pages are our own, on 127.0.0.1.
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                yield running, browser
            finally:
                browser.close()


def console(browser: Browser, settings: Settings, name: str, day: str = "working") -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.grant_permissions(["notifications"], origin=settings.console_url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    page.goto(settings.console_url + "/")
    expect(page.locator("#login")).to_be_visible(timeout=WAIT_MS)
    if name == "anna":
        page.screenshot(path=SCREENSHOTS / "login.png")
    page.fill("#email", f"{name}@example.com")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login button")
    expect(page.locator("#link")).to_have_text("live", timeout=WAIT_MS)
    expect(page.locator("#day")).to_have_text(f"work day: {day}")
    return page


def widget(browser: Browser, settings: Settings) -> Page:
    page = browser.new_context(viewport={"width": 420, "height": 640}).new_page()
    page.goto(settings.console_url + "/widget")
    expect(page.locator("#state")).to_have_text("online", timeout=WAIT_MS)
    return page


def offered_to_both_then_taken(anna: Page, boris: Page) -> str:
    """Both see the offer live, as text, and are notified; Boris takes it in one click, Anna loses it."""
    for page in (anna, boris):
        row = page.locator("#list .row")
        expect(row).to_have_count(1, timeout=WAIT_MS)
        expect(row.locator(".preview")).to_have_text(HOSTILE)
        expect(row.locator(".badge")).to_have_text("1")
        expect(page.locator("#offers")).to_have_text("Offers 1")
        page.wait_for_function("window.notified.length > 0", timeout=WAIT_MS)
        (shown,) = page.evaluate("window.notified")
        assert shown["title"] == "Lead offered: accept it first"
        assert shown["body"].endswith(f": {HOSTILE}")
        assert_nothing_ran(page, "body")
    anna.screenshot(path=SCREENSHOTS / "offer.png")
    conversation = str(boris.locator("#list .row").get_attribute("data-id"))

    boris.click("#list .row .accept")
    expect(boris.locator("#list .row .accept")).to_have_count(0, timeout=WAIT_MS)
    expect(boris.locator("#offers")).to_have_text("Offers 0")
    expect(anna.locator("#list .row")).to_have_count(0, timeout=WAIT_MS)
    return conversation


def holder_replies(boris: Page, visitor: Page) -> None:
    """The holder reads the whole conversation, replies with Enter (Shift+Enter: a new line) and sees it sent."""
    boris.click("#list .row")
    expect(texts(boris)).to_have_text([HOSTILE], timeout=WAIT_MS)
    expect(boris.locator("#contact .last")).to_have_text(HOSTILE)
    expect(boris.locator("#list .row .badge")).to_have_count(0)
    first, second = FIRST_REPLY.split("\n")
    boris.fill("#replyText", first)
    boris.press("#replyText", "Shift+Enter")
    boris.locator("#replyText").press_sequentially(second)
    expect(boris.locator("#replyText")).to_have_value(FIRST_REPLY)
    boris.press("#replyText", "Enter")
    expect(boris.locator("#replyText")).to_have_value("")
    expect(visitor.locator("#log")).to_contain_text(second, timeout=WAIT_MS)
    expect(texts(boris)).to_have_text([HOSTILE, FIRST_REPLY], timeout=WAIT_MS)
    expect(boris.locator(".message.manager .delivery")).to_have_text("posted in the chat")
    expect(boris.locator(".message.manager .meta")).to_contain_text("you ·")
    assert_nothing_ran(boris, "body")
    boris.screenshot(path=SCREENSHOTS / "conversation.png")


def refused_to_another(anna: Page, settings: Settings, conversation: str) -> None:
    """A link to a colleague's conversation shows nothing of it, only why."""
    anna.goto(f"{settings.console_url}/#c={conversation}")
    expect(anna.locator("#notice")).to_contain_text("not visible to you", timeout=WAIT_MS)
    expect(anna.locator("#heading")).to_have_text("This conversation is not in your list.")
    expect(anna.locator("#messages .message")).to_have_count(0)
    expect(anna.locator("#contact")).to_have_count(0)
    assert HOSTILE not in anna.content()
    anna.screenshot(path=SCREENSHOTS / "refused.png")


def resumed_with_every_message_once(boris: Page, visitor: Page) -> None:
    """Back online without a reload: what the visitor wrote meanwhile shows once, the waiting reply goes once."""
    expect(boris.locator("#link")).to_have_text("live", timeout=RESTART_MS)
    expect(texts(boris)).to_have_text(everything(), timeout=WAIT_MS)
    expect(boris.locator(".message.pending")).to_have_count(0, timeout=WAIT_MS)
    expect(visitor.locator("#log")).to_contain_text(AFTER_RECONNECT, timeout=WAIT_MS)
    assert visitor.locator("#log > div > span").all_inner_texts().count(AFTER_RECONNECT) == 1


def everything() -> list[str]:
    return [HOSTILE, FIRST_REPLY, WHILE_AWAY, AFTER_RECONNECT]


def texts(page: Page) -> Locator:
    return page.locator("#messages .message:not(.pending) .text")


def work_day_goes_round(anna: Page) -> None:
    for action, state in (("pause", "paused"), ("resume", "working"), ("end", "ended"), ("start", "working")):
        anna.click(f"[data-day={action}]")
        expect(anna.locator("#day")).to_have_text(f"work day: {state}", timeout=WAIT_MS)
        if state == "paused":
            anna.screenshot(path=SCREENSHOTS / "work-day-paused.png")


def director_moves_and_filters(browser: Browser, settings: Settings) -> None:
    """Clara sees both conversations, moves between them with Alt+Down/Up, and narrows the list."""
    other = widget(browser, settings)
    other.fill("#text", "A second question about delivery")
    other.press("#text", "Enter")
    clara = console(browser, settings, "clara", day="not started")
    rows = clara.locator("#list .row")
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    rows.nth(0).click()
    first = clara.locator("#heading .name").inner_text()
    clara.keyboard.press("Alt+ArrowDown")
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    expect(clara.locator("#heading .name")).not_to_have_text(first)
    expect(clara.locator(".message.manager .meta").first).to_contain_text("Boris Ivanov ·", timeout=WAIT_MS)
    clara.keyboard.press("Alt+ArrowUp")
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    expect(clara.locator("#messages")).to_contain_text("A second question about delivery")

    clara.click("[data-filter=unassigned]")
    expect(rows).to_have_count(1)
    expect(rows.locator(".preview")).to_have_text("A second question about delivery")
    clara.click("[data-filter=mine]")
    expect(rows).to_have_count(0)
    clara.click("[data-filter=all]")
    clara.fill("#search", "size 42")
    expect(rows).to_have_count(1)
    expect(rows.locator(".preview")).to_have_text(AFTER_RECONNECT)
    clara.fill("#search", "")
    clara.select_option("#channel", "webchat")
    expect(rows).to_have_count(2)
    assert_nothing_ran(clara, "body")
    clara.screenshot(path=SCREENSHOTS / "director.png")
    other.screenshot(path=SCREENSHOTS / "widget.png")


def closed_by_its_holder(boris: Page, conversation: str) -> None:
    """Closed, it leaves the open conversations for the closed ones."""
    row = boris.locator(f"#list .row[data-id='{conversation}']")
    expect(row).to_have_count(1)
    boris.click("#heading .close")
    expect(boris.locator("#heading")).to_contain_text("closed", timeout=WAIT_MS)
    expect(boris.locator("#heading .close")).to_have_count(0)
    expect(row).to_have_count(0)
    boris.click("[data-filter=closed]")
    expect(boris.locator("#list .row")).to_have_count(1)
    expect(row).to_have_count(1)


def logged_out(anna: Page) -> None:
    """Logging out ends the session on the server; the login comes back and stays after a reload."""
    anna.click("#logout")
    expect(anna.locator("#login")).to_be_visible(timeout=WAIT_MS)
    expect(anna.locator("#loginError")).to_contain_text("log in again")
    anna.reload()
    expect(anna.locator("#login")).to_be_visible(timeout=WAIT_MS)
