"""The console's list past its first page, and its keyboard, in Debian's Chromium at 1280x720.

105 visitors write before the services start, each lead offered to Anna and Boris, the last with a name
made of markup. Anna's "my team's" tab counts all 105 and shows 100, "Show more" the other 5; the bar
counts her 105 offers and the Offers tab its own. A search finds a conversation by words only its first
message holds, which this browser never read: the gateway searches. From the keyboard j/k and the arrows
move through the list and keep the open row in sight, the focus is always drawn, Esc closes the transfer
form. The markup stays text in the list and the preview. Screenshots go to ``SCREENSHOTS``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from application.receive_messages import receive_messages
from domain.inbound import InboundMessage
from services.bootstrap import build_event_store
from services.console.console_page import PAGE as CONSOLE_PAGE
from services.settings import Settings
from tests.e2e.test_browser import HOSTILE, assert_nothing_ran
from tests.e2e.test_console import OFFER_TO_ALL, SCREENSHOTS, WAIT_MS, console, running_with_chromium
from tests.e2e.test_offers_and_timers import demo_with_rules
from tests.router_reactions import routed

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

VISITORS = 105
PAGE_ROWS = 100


def visitors_write(settings: Settings) -> None:
    """Each visitor's order number in their first message only; the newest one's name is markup."""
    start = datetime.now(tz=UTC) - timedelta(hours=1)
    messages = []
    for n in range(VISITORS):
        at = start + timedelta(seconds=n)
        name = HOSTILE if n == VISITORS - 1 else f"Visitor {n:03d}"
        messages.append(InboundMessage.from_visitor(f"v{n:03d}", "1", f"My order is Z{n:03d}", at, sender_name=name))
        messages.append(InboundMessage.from_visitor(f"v{n:03d}", "2", HOSTILE, at + timedelta(milliseconds=1)))
    store = build_event_store(settings)
    try:
        routed(store, receive_messages, messages)
    finally:
        store.close()


def test_every_filter_pages_and_counts_past_the_first_hundred(settings: Settings, tmp_path: Path) -> None:
    assert CONSOLE_PAGE.is_file(), "build the console first: make console"
    demo_with_rules(settings, OFFER_TO_ALL)
    visitors_write(settings)
    with running_with_chromium(settings, tmp_path) as (_, browser):
        anna = console(browser, settings, "anna")
        team_pages_and_counts(anna)
        searched_by_the_gateway(anna)
        moved_by_keyboard(anna)


def team_pages_and_counts(anna: Page) -> None:
    rows = anna.locator("#list .row")
    expect(anna.locator("#offers")).to_have_text(f"Offers {VISITORS}", timeout=WAIT_MS)
    anna.click("[data-filter=team]")
    expect(anna.locator("[data-filter=team] .count")).to_have_text(f" {VISITORS}", timeout=WAIT_MS)
    expect(anna.locator("[data-filter=offered] .count")).to_have_text(f" {VISITORS}")
    expect(anna.locator("[data-filter=mine] .count")).to_have_text(" 0")
    expect(rows).to_have_count(PAGE_ROWS, timeout=WAIT_MS)
    newest = rows.nth(0)
    expect(newest.locator(".name")).to_have_text(HOSTILE)
    expect(newest.locator(".preview")).to_have_text(HOSTILE)
    anna.click("#more")
    expect(rows).to_have_count(VISITORS, timeout=WAIT_MS)
    expect(anna.locator("#more")).to_have_count(0)
    expect(rows.nth(VISITORS - 1).locator(".name")).to_have_text("Visitor 000")
    assert len(set(rows.evaluate_all("rows => rows.map((r) => r.dataset.id)"))) == VISITORS
    assert_nothing_ran(anna, "body")
    anna.screenshot(path=SCREENSHOTS / "list-team.png")


def searched_by_the_gateway(anna: Page) -> None:
    rows = anna.locator("#list .row")
    anna.fill("#search", "z007")
    expect(rows).to_have_count(1, timeout=WAIT_MS)
    expect(rows.locator(".name")).to_have_text("Visitor 007")
    expect(anna.locator("[data-filter=team] .count")).to_have_text(" 1")
    expect(anna.locator("#offers")).to_have_text(f"Offers {VISITORS}")  # the bar counts everything
    anna.fill("#search", "")
    expect(rows).to_have_count(VISITORS, timeout=WAIT_MS)
    expect(anna.locator("[data-filter=team] .count")).to_have_text(f" {VISITORS}", timeout=WAIT_MS)
    expect(anna.locator("#more")).to_have_count(0)  # paged to its end already: nothing more to show


def moved_by_keyboard(anna: Page) -> None:
    """j/k and the arrows move through the list, the open row in sight; focus drawn; Esc closes a form."""
    rows = anna.locator("#list .row")
    anna.focus("#list")
    anna.keyboard.press("/")
    expect(anna.locator("#search")).to_be_focused()
    expect(anna.locator("#search")).to_have_value("")
    anna.keyboard.press("Tab")
    ring = anna.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid", f"the focus is drawn: {ring}"

    rows.nth(0).click()
    for key, place in (("j", 1), ("j", 2), ("k", 1), ("ArrowDown", 2), ("ArrowUp", 1)):
        anna.keyboard.press(key)
        expect(rows.nth(place)).to_have_attribute("aria-selected", "true")
    further = 12  # past the rows the screen holds, within the commands a console may send at once
    for _ in range(further):
        anna.keyboard.press("j")
    below = rows.nth(1 + further)
    expect(below).to_have_attribute("aria-selected", "true")
    expect(below).to_be_in_viewport()
    expect(anna.locator("#heading .name")).to_have_text(f"Visitor {VISITORS - 2 - further:03d}")

    last = rows.nth(VISITORS - 1)
    last.click()
    last.locator(".accept").click()
    expect(anna.locator("#heading .close")).to_be_visible(timeout=WAIT_MS)
    anna.focus("#transferOpen")
    anna.keyboard.press("Enter")
    expect(anna.locator("#transferTo")).to_be_focused()
    anna.keyboard.press("Escape")
    expect(anna.locator("#transfer")).to_have_count(0)
    expect(anna.locator("#transferOpen")).to_be_focused()
    anna.screenshot(path=SCREENSHOTS / "list-keyboard.png")
