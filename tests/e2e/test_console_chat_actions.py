"""The console's chat actions in Debian's Chromium, with two managers, a director and two visitors at once, at 1280x720.

A visitor who gave a name in markup writes; it shows as text in the list, the notification and the
contact card. The operator who takes it and the visitor see each other typing; a canned reply is
picked from the keyboard ("/" in the reply box) and reaches the visitor; a hidden note stays among the
operators. With a second conversation newer, the first pinned goes to the top, and stays there and
whole after a reload. A colleague invited sees everything said before they came, is seen typing, and
leaves; the conversation transferred to them is theirs live with its history, and the one who gave it
is refused it from then on. Closed, the widget asks for a rating, which the console shows; reopened,
it is open again; handed to the team, the router gives it to the team's other manager. The director's
"my team's" filter holds both conversations. The widget never shows the note.
Screenshots of each screen go to ``.local/screenshots`` (not committed).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from devstack.demo import DEMO_PASSWORD
from services.console.console_page import PAGE as CONSOLE_PAGE
from services.settings import Settings
from tests.e2e.test_browser import HOSTILE, assert_nothing_ran
from tests.e2e.test_console import OFFER_TO_ALL, SCREENSHOTS, WAIT_MS, console, running_with_chromium, widget
from tests.e2e.test_offers_and_timers import demo_with_rules

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

NAME = '<img src=x onerror="window.pwned = 2">Eva'
MORE = "and 43"
CANNED = "Thank you for waiting! Let me check."
NOTE = "hidden: she paid late twice"
SECOND = "A second question, about delivery"
RATING_COMMENT = "Quick and kind"


@pytest.mark.runs_long(70)
def test_operators_transfer_invite_note_pin_close_and_see_typing(settings: Settings, tmp_path: Path) -> None:
    assert CONSOLE_PAGE.is_file(), "build the console first: make console"
    demo_with_rules(settings, OFFER_TO_ALL)
    with running_with_chromium(settings, tmp_path) as (_, browser):
        canned_reply(settings, "anna", "thanks", CANNED)
        anna, boris = console(browser, settings, "anna"), console(browser, settings, "boris")
        eva = introduced(browser, settings)
        first = taken(anna, boris)
        markup_stays_text(anna)
        typing_both_ways(anna, eva)
        canned_then_note(anna, eva)
        second = taken(anna, boris, visitor=widget(browser, settings), text=SECOND)
        pinned_on_top(anna, first, second)
        invited_sees_everything_then_leaves(anna, boris, first)
        transferred(anna, boris, first)
        refused_once_given(anna, settings, first)
        closed_rated_and_reopened(boris, eva)
        handed_to_the_team(boris, anna, first)
        team_filter(browser, settings, {first, second})
        expect(eva.locator("#log")).not_to_contain_text(NOTE)
        assert NOTE not in eva.content()


def canned_reply(settings: Settings, name: str, shortcut: str, text: str) -> None:
    """A canned reply in the operator's own list, written over REST as a manager scripts it."""
    with httpx.Client(base_url=settings.console_url) as http:
        login = http.post("/api/login", json={"email": f"{name}@example.com", "password": DEMO_PASSWORD})
        login.raise_for_status()
        written = http.post(
            "/api/canned-replies",
            json={"shortcut": shortcut, "text": text},
            headers={"Authorization": f"Bearer {login.json()['token']}"},
        )
        written.raise_for_status()


def introduced(browser: Browser, settings: Settings) -> Page:
    """A visitor who fills the pre-chat form with markup for a name, then writes markup."""
    page = browser.new_context(viewport={"width": 420, "height": 640}).new_page()
    page.goto(settings.console_url + "/widget?prechat=true")
    expect(page.locator("#prechat")).to_be_visible(timeout=WAIT_MS)
    page.fill("#pc-name", NAME)
    page.fill("#pc-email", "eva@example.com")
    page.check("#pc-consent")
    page.click("#prechat button")
    expect(page.locator("#state")).to_have_text("online", timeout=WAIT_MS)
    page.fill("#text", HOSTILE)
    page.press("#text", "Enter")
    return page


def taken(anna: Page, boris: Page, visitor: Page | None = None, text: str = HOSTILE) -> str:
    """Offered to both, taken by Anna in one click; gone from Boris's list. Returns the conversation."""
    if visitor is not None:
        visitor.fill("#text", text)
        visitor.press("#text", "Enter")
    offer = anna.locator("#list .row", has=anna.locator(".accept"))
    expect(offer).to_have_count(1, timeout=WAIT_MS)
    expect(offer.locator(".preview")).to_have_text(text)
    conversation = str(offer.get_attribute("data-id"))
    expect(boris.locator(f"#list .row[data-id='{conversation}'] .accept")).to_have_count(1, timeout=WAIT_MS)
    offer.locator(".accept").click()
    expect(boris.locator(f"#list .row[data-id='{conversation}']")).to_have_count(0, timeout=WAIT_MS)
    anna.click(f"#list .row[data-id='{conversation}']")
    expect(anna.locator("#heading .close")).to_be_visible(timeout=WAIT_MS)
    return conversation


def markup_stays_text(anna: Page) -> None:
    """The visitor's name and words, markup both, are text in the list, the notification and the contact card."""
    row = anna.locator("#list .row.active")
    expect(row.locator(".name")).to_have_text(NAME, timeout=WAIT_MS)
    expect(row.locator(".preview")).to_have_text(HOSTILE)
    expect(anna.locator("#heading .name")).to_have_text(NAME)
    expect(anna.locator("#contact h3")).to_have_text(NAME, timeout=WAIT_MS)
    expect(anna.locator("#contact .last")).to_have_text(HOSTILE)
    expect(anna.locator("#contact .in-crm")).to_be_visible(timeout=WAIT_MS)
    expect(texts(anna)).to_have_text([HOSTILE], timeout=WAIT_MS)
    notified = anna.evaluate("window.notified")
    assert notified, "the offer was notified"
    assert notified[0]["body"].endswith(f": {HOSTILE}"), notified
    assert_nothing_ran(anna, "body")


def typing_both_ways(anna: Page, eva: Page) -> None:
    """The visitor typing shows in the console; the operator typing shows in the widget, with their name."""
    # At a slow typist's pace, past the widget's one signal every 3 s (its first went with the first message).
    eva.locator("#text").press_sequentially(MORE, delay=700)
    expect(anna.locator("#typing")).to_have_text("The visitor is typing…", timeout=WAIT_MS)
    expect(anna.locator("#list .row.active .typing-mark")).to_be_visible()
    anna.screenshot(path=SCREENSHOTS / "chat-visitor-typing.png")
    eva.press("#text", "Enter")
    expect(texts(anna)).to_have_text([HOSTILE, MORE], timeout=WAIT_MS)
    expect(anna.locator("#typing")).to_have_text("")  # their message came: they no longer type it

    anna.locator("#replyText").press_sequentially("One moment")
    expect(eva.locator("#typing")).to_have_text("Anna Petrova is typing…", timeout=WAIT_MS)
    anna.fill("#replyText", "")


def canned_then_note(anna: Page, eva: Page) -> None:
    """From the keyboard: "/" and a shortcut offers the canned reply, Enter takes it and Enter sends; Alt+N notes."""
    box = anna.locator("#replyText")
    box.focus()
    box.press_sequentially("/tha")
    expect(anna.locator("#canned [role=option]")).to_have_text([f"/thanks {CANNED}"])
    anna.screenshot(path=SCREENSHOTS / "chat-canned.png")
    box.press("Enter")
    expect(box).to_have_value(CANNED)
    box.press("Enter")
    expect(eva.locator("#log")).to_contain_text(CANNED, timeout=WAIT_MS)

    box.press("Alt+n")
    expect(anna.locator("#noteMode")).to_have_attribute("aria-pressed", "true")
    box.press_sequentially(NOTE)
    box.press("Enter")
    note = anna.locator("#messages .message.note")
    expect(note.locator(".text")).to_have_text(NOTE, timeout=WAIT_MS)
    expect(note.locator(".note-mark")).to_contain_text("not sent to the customer")
    expect(note.locator(".meta")).to_contain_text("you ·")
    expect(texts(anna)).to_have_text(history())
    anna.screenshot(path=SCREENSHOTS / "chat-note.png")
    box.press("Alt+n")
    expect(anna.locator("#noteMode")).to_have_attribute("aria-pressed", "false")
    expect(eva.locator("#log")).not_to_contain_text(NOTE)


def pinned_on_top(anna: Page, first: str, second: str) -> None:
    """The newer conversation leads the list until the first is pinned; the pin and the history outlive a reload."""
    rows = anna.locator("#list .row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-id", second)
    anna.click(f"#list .row[data-id='{first}']")
    anna.click("#pin")
    expect(rows.nth(0)).to_have_attribute("data-id", first, timeout=WAIT_MS)
    expect(rows.nth(0).locator(".pin")).to_be_visible()
    expect(anna.locator("#pin")).to_have_text("Unpin")
    anna.reload()
    expect(anna.locator("#link")).to_have_text("live", timeout=WAIT_MS)
    expect(rows.nth(0)).to_have_attribute("data-id", first, timeout=WAIT_MS)
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")  # the open conversation stays open
    expect(texts(anna)).to_have_text(history(), timeout=WAIT_MS)
    anna.screenshot(path=SCREENSHOTS / "chat-pinned.png")


def invited_sees_everything_then_leaves(anna: Page, boris: Page, first: str) -> None:
    """Boris, invited, sees the conversation from its start, the note too; Anna sees him typing; he leaves."""
    anna.click("#inviteOpen")
    choose(anna, "#inviteTo", "Boris Ivanov (at work, ")
    anna.click("#invite button[type=submit]")
    expect(anna.locator("#participants")).to_have_text("with Boris Ivanov", timeout=WAIT_MS)
    row = boris.locator(f"#list .row[data-id='{first}']")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    row.click()
    expect(texts(boris)).to_have_text(history(), timeout=WAIT_MS)
    expect(boris.locator("#messages .message.note .meta")).to_contain_text("Anna Petrova ·")
    expect(boris.locator("#leave")).to_be_visible()
    expect(boris.locator("#participants")).to_have_text("with you")
    boris.locator("#replyText").press_sequentially("Let me see")
    expect(anna.locator("#typing")).to_have_text("Boris Ivanov is typing…", timeout=WAIT_MS)
    boris.screenshot(path=SCREENSHOTS / "chat-invited.png")
    boris.fill("#replyText", "")
    boris.click("#leave")
    expect(row).to_have_count(0, timeout=WAIT_MS)
    expect(anna.locator("#participants")).to_have_count(0, timeout=WAIT_MS)


def transferred(anna: Page, boris: Page, first: str) -> None:
    """Anna transfers it to Boris, who still has it open: his live, announced, with the whole history and the
    contact card, no click or reload needed; gone from Anna's list and screen at once.
    """
    anna.click("#transferOpen")
    anna.screenshot(path=SCREENSHOTS / "chat-transfer.png")
    choose(anna, "#transferTo", "Boris Ivanov (at work, ")
    anna.click("#transfer button[type=submit]")
    expect(anna.locator(f"#list .row[data-id='{first}']")).to_have_count(0, timeout=WAIT_MS)
    expect(anna.locator("#messages .message")).to_have_count(0)
    expect(anna.locator("#contact")).to_have_count(0)
    expect(boris.locator(f"#list .row[data-id='{first}']")).to_have_count(1, timeout=WAIT_MS)
    boris.wait_for_function("window.notified.some((n) => n.title === 'New lead for you')", timeout=WAIT_MS)
    expect(texts(boris)).to_have_text(history(), timeout=WAIT_MS)
    expect(boris.locator("#heading .close")).to_be_visible()
    expect(boris.locator("#contact h3")).to_have_text(NAME)
    expect(boris.locator("#contact .in-crm")).to_be_visible(timeout=WAIT_MS)
    expect(boris.locator("#contact")).to_contain_text("you")
    assert_nothing_ran(boris, "body")


def refused_once_given(anna: Page, settings: Settings, first: str) -> None:
    """A manager who gave the conversation away is refused it: a link to it shows nothing of it, only why."""
    anna.goto(f"{settings.console_url}/#c={first}")
    anna.reload()  # the link is the one she had open: load it afresh
    expect(anna.locator("#link")).to_have_text("live", timeout=WAIT_MS)
    expect(anna.locator("#notice")).to_contain_text("not visible to you", timeout=WAIT_MS)
    expect(anna.locator("#messages .message")).to_have_count(0)
    assert NOTE not in anna.content()
    assert CANNED not in anna.content()


def closed_rated_and_reopened(boris: Page, eva: Page) -> None:
    """Closed by its holder: the widget asks for a rating, the console shows it; reopened, it is open again."""
    boris.click("#heading .close")
    expect(boris.locator("#heading")).to_contain_text("closed", timeout=WAIT_MS)
    expect(eva.locator("#rating")).to_be_visible(timeout=WAIT_MS)
    eva.locator("#stars button", has_text="5").click()
    eva.fill("#rating-comment", RATING_COMMENT)
    eva.click("#rating > button")
    expect(eva.locator("#log")).to_contain_text("Thank you for your rating!", timeout=WAIT_MS)
    expect(boris.locator("#heading #rating")).to_have_text(f"rated 5/5: {RATING_COMMENT}", timeout=WAIT_MS)
    boris.screenshot(path=SCREENSHOTS / "chat-rated.png")
    eva.screenshot(path=SCREENSHOTS / "chat-widget-rated.png")
    boris.click("#reopen")
    expect(boris.locator("#heading .close")).to_be_visible(timeout=WAIT_MS)
    expect(boris.locator("#reopen")).to_have_count(0)


def handed_to_the_team(boris: Page, anna: Page, first: str) -> None:
    """From the keyboard, Boris hands it to his team: the router gives it to Anna, at work with room."""
    boris.focus("#transferOpen")
    boris.keyboard.press("Enter")
    expect(boris.locator("#transferTo")).to_be_focused()
    boris.locator("#transferTo").select_option("team:sales")
    boris.locator("#transfer button[type=submit]").press("Enter")
    expect(boris.locator(f"#list .row[data-id='{first}']")).to_have_count(0, timeout=WAIT_MS)
    row = anna.locator(f"#list .row[data-id='{first}']")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    row.click()
    expect(anna.locator("#heading .close")).to_be_visible(timeout=WAIT_MS)
    expect(texts(anna)).to_have_text(history(), timeout=WAIT_MS)


def team_filter(browser: Browser, settings: Settings, conversations: set[str]) -> None:
    """The director's "my team's" filter holds what the team's managers hold."""
    clara = console(browser, settings, "clara", day="not started")
    clara.click("[data-filter=team]")
    rows = clara.locator("#list .row")
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    assert {rows.nth(n).get_attribute("data-id") for n in range(2)} == conversations
    clara.screenshot(path=SCREENSHOTS / "chat-team-filter.png")


def choose(page: Page, select: str, label: str) -> None:
    """Pick the colleague whose option begins with ``label`` (their load follows it)."""
    option = page.locator(f"{select} option", has_text=label)
    page.locator(select).select_option(str(option.get_attribute("value")))


def history() -> list[str]:
    return [HOSTILE, MORE, CANNED, NOTE]


def texts(page: Page) -> Locator:
    return page.locator("#messages .message:not(.pending) .text")
