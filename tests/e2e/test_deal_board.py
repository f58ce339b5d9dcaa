"""The CRM in the console, in Debian's Chromium at 1280x720, with two managers and their head at once.

Anna drags her deal to another stage: her head Hanna's open board changes live. Boris moves his own
deal from the keyboard: Hanna's open funnel changes live; he never sees (nor is sent) a colleague's
deal. The funnel follows its filters; a report's table shows the customer's markup as text. Anna's deal
card shows its products, activities and timeline, its title and its contact's card the customer's markup
as text; her tasks screen shows what is overdue and
what is due today. Nothing breaks the page's Content-Security-Policy, the chart included.
Screenshots of the board, the deal card, the tasks and the reports go to ``.local/screenshots``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_STAGES, stage_id
from services.bootstrap import build_event_store
from services.console.console_page import PAGE as CONSOLE_PAGE
from services.settings import Settings
from tests.e2e.test_browser import HOSTILE, assert_nothing_ran
from tests.e2e.test_console import CHROMIUM, SCREENSHOTS, WAIT_MS
from tests.integration.crm_world import PASSWORD, people
from tests.services_running import services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

# A deal named by the customer (a web form opens one), markup and all: shown as text on the board and card.
TITLES = {"Tyres": f"Tyres {HOSTILE}"}
STAGE = {
    s.name: str(stage_id(DEFAULT_PIPELINE_ID, [d.name for d in DEFAULT_STAGES].index(s.name))) for s in DEFAULT_STAGES
}

# What the page received (socket frames, REST answers) and any Content-Security-Policy violation.
RECORD_TRAFFIC = """
window.received = [];
window.violations = [];
addEventListener("securitypolicyviolation", (e) => window.violations.push(e.violatedDirective + " " + e.blockedURI));
const Socket = window.WebSocket;
window.WebSocket = class extends Socket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (e) => window.received.push(String(e.data)));
  }
};
const fetched = window.fetch.bind(window);
window.fetch = async (...args) => {
  const response = await fetched(...args);
  response.clone().text().then((body) => window.received.push(body), () => undefined);
  return response;
};
"""


def test_a_deal_moved_by_a_manager_moves_live_for_her_head_and_stays_hidden_from_a_colleague(
    settings: Settings, tmp_path: Path
) -> None:
    assert CONSOLE_PAGE.is_file(), "build the console first: make console"
    store = build_event_store(settings)
    try:
        people(store, settings)
    finally:
        store.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with services(settings, tmp_path / "logs", names=("router", "projections", "gateway")) as running:
        asyncio.run(running.healthy_except("ingest"))
        deals = opened_with_tasks(settings)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                hanna, boris, anna = (
                    signed_in(browser, settings, name, "deals") for name in ("hanna", "boris", "anna")
                )
                dragged_and_seen_live(anna, hanna, deals)
                hanna.click("#views [data-view=reports]")
                expect(chart(hanna)).to_have_attribute("aria-label", funnel(New=2, Proposal=1), timeout=WAIT_MS)
                moved_from_the_keyboard_unseen_by_colleagues(boris, hanna, deals)
                funnel_filtered(hanna)
                markup_in_a_report(hanna)
                deal_card_shows_everything(anna, deals)
                tasks_of_the_day(anna)
                for page in (hanna, boris, anna):
                    assert page.evaluate("window.violations") == []
            finally:
                browser.close()


def opened_with_tasks(settings: Settings) -> dict[str, str]:
    """Anna's Tyres (with a product and a contact) and Rims, Boris's Chains; Anna's tasks about Tyres, one overdue."""
    now = datetime.now(UTC)
    with httpx.Client(base_url=settings.console_url) as http:

        def call(who: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = http.post(url, json=body, headers={"Authorization": f"Bearer {tokens[who]}"})
            assert answer.status_code in (200, 201), answer.text
            found: dict[str, Any] = answer.json()
            return found

        tokens = {}
        for who in ("anna", "boris"):
            login = http.post("/api/login", json={"email": f"{who}@example.com", "password": PASSWORD})
            tokens[who] = login.json()["token"]
        # The customer typed her own name, markup and all, into a form: it is shown as text.
        contact = call("anna", "/api/contacts", {"name": HOSTILE, "phones": ["+44 20 7946 0018"]})["id"]
        deals = {
            title: call(
                who, "/api/deals", {"title": TITLES.get(title, title), "currency": currency, "amount": amount, **more}
            )["id"]
            for who, title, currency, amount, more in (
                ("anna", "Tyres", "EUR", "100", {"contact_id": contact}),
                ("anna", "Rims", "USD", "40", {}),
                ("boris", "Chains", "EUR", "70", {}),
            )
        }
        call("anna", f"/api/deals/{deals['Tyres']}/lines", {"name": "Winter tyre", "price": "25", "quantity": 4})
        for title, due in (
            ("Call back about tyres", now - timedelta(hours=1)),
            ("Send the offer", now + timedelta(minutes=30)),
            ("Ask again next week", now + timedelta(days=7)),
        ):
            body = {"kind": "task", "subject_kind": "deal", "subject_id": deals["Tyres"], "title": title}
            call("anna", "/api/activities", {**body, "due_at": due.isoformat()})
    return deals


def signed_in(browser: Browser, settings: Settings, name: str, view: str) -> Page:
    # The browser's day is set so that half an hour from now is still today whenever the test runs.
    context = browser.new_context(viewport={"width": 1280, "height": 720}, timezone_id=noon_zone())
    context.add_init_script(RECORD_TRAFFIC)
    page = context.new_page()
    page.goto(settings.console_url + "/")
    page.fill("#email", f"{name}@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login button")
    expect(page.locator("#link")).to_have_text("live", timeout=WAIT_MS)
    page.click(f"#views [data-view={view}]")
    return page


def noon_zone() -> str:
    """A time zone where it is noon now (from UTC-11 to UTC+12, all of which exist)."""
    offset = 12 - datetime.now(UTC).hour
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX: the sign inverted


def tile(page: Page, deal: str, stage: str) -> Locator:
    return page.locator(f'#board [data-stage="{STAGE[stage]}"] [data-deal="{deal}"]')


def chart(page: Page) -> Locator:
    return page.locator("#report-canvas")


# The extent of the bars drawn on the chart's canvas (the first colour, #2d5be3), above the legend.
BARS_DRAWN = """
(canvas) => {
  const { width, height } = canvas;
  const pixels = canvas.getContext("2d").getImageData(0, 0, width, height - 40).data;
  let left = width, right = -1, top = height, bottom = -1;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i] !== 45 || pixels[i + 1] !== 91 || pixels[i + 2] !== 227) continue;
    const x = (i / 4) % width, y = Math.floor(i / 4 / width);
    left = Math.min(left, x); right = Math.max(right, x); top = Math.min(top, y); bottom = Math.max(bottom, y);
  }
  return right < 0 ? null : { width: right - left + 1, height: bottom - top + 1 };
}
"""


def funnel(**deals: int) -> str:
    """The words of the funnel chart with ``deals`` in their stages, none in the others."""
    return "deals: " + ", ".join(f"{s.name} {deals.get(s.name, 0)}" for s in DEFAULT_STAGES)


def dragged_and_seen_live(anna: Page, hanna: Page, deals: dict[str, str]) -> None:
    """Anna drags Tyres from New to Proposal: Hanna's board shows it without a reload, totals and all."""
    expect(tile(hanna, deals["Tyres"], "New")).to_be_visible(timeout=WAIT_MS)
    new_totals = hanna.locator(f'#board [data-stage="{STAGE["New"]}"] .totals li')
    expect(new_totals).to_have_text(["170.00 EUR", "40.00 USD"], timeout=WAIT_MS)
    tile(anna, deals["Tyres"], "New").drag_to(anna.locator(f'#board [data-stage="{STAGE["Proposal"]}"]'))
    expect(tile(anna, deals["Tyres"], "Proposal")).to_be_visible()
    expect(tile(hanna, deals["Tyres"], "Proposal")).to_be_visible(timeout=WAIT_MS)
    expect(hanna.locator(f'#board [data-stage="{STAGE["Proposal"]}"] .totals li')).to_have_text(["100.00 EUR"])
    expect(new_totals).to_have_text(["70.00 EUR", "40.00 USD"])
    expect(anna.locator("#board-notice")).to_have_text("")
    hanna.screenshot(path=SCREENSHOTS / "deal-board.png")


def funnel_filtered(reports: Page) -> None:
    """The funnel with a minimum amount leaves Rims (40) out, in the chart and in the table."""
    reports.fill("#filter-min_amount", "50")
    reports.press("#filter-min_amount", "Enter")
    expect(chart(reports)).to_have_attribute("aria-label", funnel(Qualification=1, Proposal=1), timeout=WAIT_MS)
    expect(reports.locator("#report-rows")).not_to_contain_text("USD")
    # Drawn, not only described: two bars of one deal each, lying on their side across the chart.
    bars = chart(reports).evaluate(BARS_DRAWN)
    assert bars is not None
    assert bars["width"] > 2 * bars["height"], bars
    reports.screenshot(path=SCREENSHOTS / "reports-funnel.png")


def markup_in_a_report(reports: Page) -> None:
    """The deals by contact: the customer's name, markup and all, is a cell's text."""
    reports.select_option("#report-name", "deals-by-contact")
    expect(reports.locator("#report-rows")).to_contain_text(HOSTILE, timeout=WAIT_MS)
    assert_nothing_ran(reports, "#reports-screen")


def moved_from_the_keyboard_unseen_by_colleagues(boris: Page, hanna: Page, deals: dict[str, str]) -> None:
    """Boris moves Chains with the card's stage select and Enter: Hanna's open funnel follows; his console
    never got Anna's deals.
    """
    expect(tile(boris, deals["Chains"], "New")).to_be_visible(timeout=WAIT_MS)
    tile(boris, deals["Chains"], "New").focus()
    boris.keyboard.press("Enter")
    expect(boris.locator("#card-stage")).to_have_text("New", timeout=WAIT_MS)
    boris.select_option("#move-stage", label="Qualification")
    boris.focus("#move-deal")
    boris.keyboard.press("Enter")
    expect(boris.locator("#card-stage")).to_have_text("Qualification", timeout=WAIT_MS)
    expect(tile(boris, deals["Chains"], "Qualification")).to_be_visible(timeout=WAIT_MS)
    expect(chart(hanna)).to_have_attribute("aria-label", funnel(New=1, Qualification=1, Proposal=1), timeout=WAIT_MS)
    # Frames come in the order of the changes: his own later move arrived, so Anna's earlier one would have.
    expect(boris.locator("#board .deal-tile")).to_have_count(1)
    received = "\n".join(boris.evaluate("window.received"))
    assert deals["Chains"] in received
    assert deals["Tyres"] not in received
    assert deals["Rims"] not in received


def deal_card_shows_everything(anna: Page, deals: dict[str, str]) -> None:
    """The card of Tyres: its stage, the product line, its open tasks, its timeline and its contact."""
    tile(anna, deals["Tyres"], "Proposal").click()
    card = anna.locator("#card")
    expect(card.locator("#card-stage")).to_have_text("Proposal", timeout=WAIT_MS)
    expect(card.locator("h2.title")).to_have_text(TITLES["Tyres"])
    expect(tile(anna, deals["Tyres"], "Proposal")).to_contain_text(TITLES["Tyres"])
    assert_nothing_ran(anna, "#board")
    expect(card.locator(".lines tbody td")).to_have_text(["Winter tyre", "4", "25.00 EUR", "100.00 EUR"])
    expect(card.locator(".activities li")).to_have_count(3, timeout=WAIT_MS)
    expect(card.locator(".timeline li")).not_to_have_count(0)
    anna.screenshot(path=SCREENSHOTS / "deal-card.png")
    card.get_by_role("button", name="Contact").click()
    expect(anna.locator("#card[data-contact] h2")).to_contain_text(HOSTILE, timeout=WAIT_MS)
    assert_nothing_ran(anna, "#record")
    anna.keyboard.press("Escape")
    expect(card).to_have_count(0)


def tasks_of_the_day(anna: Page) -> None:
    """Anna's tasks: the one an hour late is overdue, the one in half an hour is due today, next week's is not there."""
    anna.click("#views [data-view=tasks]")
    expect(anna.locator("#overdue li .title")).to_have_text(["Call back about tyres"], timeout=WAIT_MS)
    expect(anna.locator("#today li .title")).to_have_text(["Send the offer"])
    anna.screenshot(path=SCREENSHOTS / "tasks.png")
