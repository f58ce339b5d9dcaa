"""Who may make, see, preview and start which campaign, over REST, and whom it mails.

Contacts A and B are Anna's and Boris's (north, headed by Hanna), S is Sam's (south). A campaign
mails only the contacts the caller's role may edit: Anna her own, Hanna her department's, Dora
everyone's. A campaign is seen by whoever may edit its maker's contacts; to others it does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from application.event_store import EventStore
from bench.waiting import until
from services.settings import MailboxSettings, Settings
from tests.integration.crm_world import World, world
from tests.integration.people_world import entered
from tests.mail_servers import SmtpSink

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
OWNERS = {"A": "anna", "B": "boris", "S": "sam"}
RECIPIENTS = {"anna": 1, "boris": 1, "hanna": 2, "sam": 1, "sven": 1, "dora": 3, "adam": 3}
SEES_ANNAS = {"anna", "hanna", "dora", "adam"}


@pytest.fixture
def crm(store: EventStore, settings: Settings, smtp_sink: SmtpSink) -> Iterator[World]:
    with world(store, _mailing(settings, smtp_sink, retry_seconds=0.2)) as w:
        yield w


@pytest.fixture
def slow_retries(store: EventStore, settings: Settings, smtp_sink: SmtpSink) -> Iterator[World]:
    with world(store, _mailing(settings, smtp_sink, retry_seconds=600)) as w:
        yield w


def _mailing(settings: Settings, smtp_sink: SmtpSink, retry_seconds: float) -> Settings:
    mailbox = MailboxSettings(
        name="sales", address="sales@shop.example", imap_host="127.0.0.1", username="sales",
        password=SecretStr("unused"), smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none",
    )  # fmt: skip
    return settings.model_copy(update={"mailboxes": [mailbox], "mail_retry_seconds": retry_seconds})


def test_a_mail_put_off_by_the_server_waits_its_turn_while_the_others_go(
    slow_retries: World, smtp_sink: SmtpSink
) -> None:
    crm = slow_retries
    for name, who in OWNERS.items():
        entered(crm, who, "/api/contacts", {"name": f"Contact {name}", "emails": [f"{name.lower()}@customer.example"]})
    crm.projected()
    made = crm.post("adam", "/api/campaigns", {"subject": "Hi {name}", "text": "Hello"}).json()["id"]
    smtp_sink.fail_next(1, "451 4.7.1 greylisted, try again later")
    started = crm.post("adam", f"/api/campaigns/{made}/start")
    assert (started.status_code, started.json()["recipients"]) == (200, 3)

    def progress() -> dict[str, int] | None:
        campaign = crm.get("adam", f"/api/campaigns/{made}").json()
        counts: dict[str, int] = campaign["progress"]
        return counts if counts["sent"] == 2 else None  # all but the one put off

    async def others_sent() -> dict[str, int] | None:
        return await asyncio.to_thread(progress)

    counts = asyncio.run(until(others_sent, 30, "the mails not put off to be sent", interval=0.1))
    assert (counts["queued"], counts["sent"]) == (1, 2)  # the one put off is due in 600 s, not in the way
    assert crm.get("adam", f"/api/campaigns/{made}").json()["state"] == "sending"


def test_a_campaign_mails_what_the_role_may_edit_and_is_seen_as_its_makers_contacts_are(
    crm: World, smtp_sink: SmtpSink
) -> None:
    for name, who in OWNERS.items():
        entered(crm, who, "/api/contacts", {"name": f"Contact {name}", "emails": [f"{name.lower()}@customer.example"]})
    crm.projected()

    refused = crm.post("anna", "/api/campaigns", {"subject": "Hi {nickname}", "text": "Hello"})
    assert (refused.status_code, refused.json()["field"]) == (400, "subject")
    assert crm.get("anna", "/api/campaigns").json()["campaigns"] == []  # nothing kept

    made = crm.post("anna", "/api/campaigns", {"subject": "Hi {name}", "text": "Hello"})
    assert made.status_code == 201, made.text
    annas = made.json()["id"]
    for who, count in RECIPIENTS.items():
        preview = crm.get(who, f"/api/campaigns/{annas}/preview")
        if who in SEES_ANNAS:
            assert preview.json()["recipients"] == count, who
        else:
            assert preview.status_code == 404, who
            assert crm.post(who, f"/api/campaigns/{annas}/start").status_code == 404, who
        listed = {c["id"] for c in crm.get(who, "/api/campaigns").json()["campaigns"]}
        assert (annas in listed) == (who in SEES_ANNAS), who
    own = crm.post("sam", "/api/campaigns", {"subject": "Hi", "text": "Hello"}).json()["id"]
    assert crm.get("sven", f"/api/campaigns/{own}").status_code == 200  # Sam's head
    assert crm.get("hanna", f"/api/campaigns/{own}").status_code == 404  # the other department's head

    smtp_sink.fail_next(1, "451 4.3.0 try again later")  # the server's "later" is waited for, then it goes
    started = crm.post("anna", f"/api/campaigns/{annas}/start")
    assert (started.status_code, started.json()["recipients"]) == (200, 1)

    def done() -> bool:
        return bool(crm.get("anna", f"/api/campaigns/{annas}").json()["state"] == "done")

    async def finished() -> bool:
        return await asyncio.to_thread(done)

    asyncio.run(until(finished, 30, "Anna's campaign to be sent", interval=0.1))
    assert [m.recipients for m in smtp_sink.messages] == [("a@customer.example",)]  # her own contact only
    assert crm.get("anna", f"/api/campaigns/{annas}").json()["progress"]["sent"] == 1
    cancelled = crm.post("hanna", f"/api/campaigns/{annas}/cancel")
    assert (cancelled.status_code, cancelled.json()["state"]) == (409, "done")
