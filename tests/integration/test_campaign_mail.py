"""Campaign mail through a real SMTP server and the real gateway: a thousand contacts mailed once each.

The campaign is made, previewed and started over REST; the gateway sending it is killed (SIGKILL)
mid-campaign and started again, and no contact gets the mail twice. An unsubscribe is honoured by
the next campaign, which is paused (stopping within one mail) and resumed.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import Counter
from email.message import Message
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from pydantic import SecretStr

from application.event_store import EventStore
from bench.contact_files import vcards
from bench.waiting import until
from domain.contact import Contact
from domain.identities import manager_id
from domain.permissions import DEFAULT_PERMISSIONS, Actor, Role
from services.console.accounts import Role as AccountRole
from services.console.campaign_segment import segment
from services.console.people_queries import PeopleFilter
from services.imports.runner import ImportRequest, run_import
from services.settings import MailboxSettings, Settings
from tests.integration.gateway_server import PASSWORD, add_operator
from tests.mail_servers import SmtpSink
from tests.projected import project
from tests.services_running import RunningServices

CONTACTS = 1000
DIRECTOR = "director@example.com"
ADMIN = Actor(manager_id(DIRECTOR), Role.DIRECTOR)
pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.default)


def sending(settings: Settings, sink: SmtpSink) -> Settings:
    """The settings with a mailbox sending through the sink, fast, and a stopped sender's claim soon over."""
    mailbox = MailboxSettings(
        name="sales", address="sales@shop.example", display_name="Shop", imap_host="127.0.0.1", username="sales",
        password=SecretStr("unused"), smtp_host=sink.host, smtp_port=sink.port, smtp_security="none",
    )  # fmt: skip
    return settings.model_copy(
        update={"mailboxes": [mailbox], "campaign_mails_per_second": 200.0, "mail_send_lease_seconds": 1.0}
    )


@pytest.mark.runs_long(70)
def test_a_campaign_mails_each_contact_once_through_a_killed_gateway_and_an_unsubscribe_holds(
    settings: Settings, store: EventStore, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    settings = sending(settings, smtp_sink)
    asyncio.run(_prepare(settings, store))
    gateway = RunningServices(settings, tmp_path)
    gateway.start("gateway")
    try:
        asyncio.run(_campaigns(settings, store, smtp_sink, gateway))
    finally:
        gateway.stop_all()


async def _prepare(settings: Settings, store: EventStore) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        await run_import(store, pool, ImportRequest(vcards(CONTACTS), "book.vcf", ADMIN.user_id))
        await project(settings, store)
        stranger = Actor(manager_id("manager@example.com"), Role.MANAGER)
        assert await segment(pool, DEFAULT_PERMISSIONS, stranger, PeopleFilter()) == []  # a manager's own: none
    finally:
        await pool.close()
    await add_operator(settings, DIRECTOR, ADMIN.user_id, AccountRole.DIRECTOR)


async def _campaigns(settings: Settings, store: EventStore, sink: SmtpSink, gateway: RunningServices) -> None:
    async with httpx.AsyncClient(base_url=settings.console_url, timeout=30) as http:
        auth = await _logged_in(http, gateway)
        made = await http.post(
            "/api/campaigns",
            headers=auth,
            json={"subject": "News for {name}", "text": "Dear {first_name},\n<b>our prices</b> fell."},
        )
        assert made.status_code == 201, made.text
        first = made.json()["id"]
        preview = (await http.get(f"/api/campaigns/{first}/preview", headers=auth)).json()
        assert preview["recipients"] == CONTACTS
        assert preview["mails"][0]["text"].startswith(f"Dear {preview['mails'][0]['subject'].split()[2]}")
        assert len(sink.messages) == 0  # a preview sends nothing

        started = await http.post(f"/api/campaigns/{first}/start", headers=auth, json={})
        assert started.status_code == 200, started.text
        assert started.json()["state"] == "sending"
        assert (await http.post(f"/api/campaigns/{first}/start", headers=auth, json={})).status_code == 409
        await asyncio.to_thread(sink.wait_for, CONTACTS // 3, 60)
        gateway.kill("gateway")  # SIGKILL, mid-campaign
        killed_at = len(sink.messages)
        assert killed_at < CONTACTS
        gateway.start("gateway")
        done = await _finished(http, first, auth)
        progress = done["progress"]
        assert progress["sent"] + progress["uncertain"] == CONTACTS, progress
        assert progress["uncertain"] <= 1, progress  # only a mail in the very hand-over when killed
        firsts = [m for m in sink.messages if parsed(m.raw)["Subject"].startswith("News for")]
        assert Counter(m.recipients[0] for m in firsts).most_common(1)[0][1] == 1  # nobody twice
        assert progress["sent"] <= len(firsts) <= CONTACTS
        await _each_sent_is_an_activity(settings, store, UUID(first))

        # The contact first in every campaign's order (by id) unsubscribes: the next campaign skips them first.
        leaving = await _first_in_order(settings, UUID(first))
        one = parsed(next(m.raw for m in firsts if m.recipients[0] == leaving))
        assert "<b>our prices</b> fell." in one.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert (await http.post(str(one["List-Unsubscribe"]).strip("<>"))).status_code == 200

        await _skipped_then_paused_resumed_and_cancelled(http, auth, sink, leaving)


async def _skipped_then_paused_resumed_and_cancelled(
    http: httpx.AsyncClient, auth: dict[str, str], sink: SmtpSink, leaving: str
) -> None:
    made = await http.post("/api/campaigns", headers=auth, json={"subject": "More for {name}", "text": "Again."})
    second = made.json()["id"]
    before = len(sink.messages)
    await http.post(f"/api/campaigns/{second}/start", headers=auth, json={})
    for command, more in (("pause", 30), ("resume", 0), ("cancel", 30)):
        if more:
            await asyncio.to_thread(sink.wait_for, len(sink.messages) + more, 60)
        answer = (await http.post(f"/api/campaigns/{second}/{command}", headers=auth, json={})).json()
        at_command = len(sink.messages)
        assert answer["state"] == {"pause": "paused", "resume": "sending", "cancel": "cancelled"}[command]
        if command != "resume":
            await _settled(http, second, auth)
            assert len(sink.messages) - at_command <= 1  # stopped within one mail
    progress = (await http.get(f"/api/campaigns/{second}", headers=auth)).json()["progress"]
    assert progress["skipped_unsubscribed"] == 1
    assert progress["sent"] == len(sink.messages) - before
    assert progress["sent"] + progress["cancelled"] + 1 == CONTACTS
    assert progress["cancelled"] > CONTACTS // 2
    assert leaving not in {m.recipients[0] for m in sink.messages[before:]}


async def _settled(http: httpx.AsyncClient, campaign_id: str, auth: dict[str, str]) -> None:
    async def settled() -> bool:
        shown = (await http.get(f"/api/campaigns/{campaign_id}", headers=auth)).json()
        return bool(shown["progress"]["sending"] == 0)

    await until(settled, 30, "the mail in hand to be handed over")


async def _first_in_order(settings: Settings, campaign_id: UUID) -> str:
    connection = await asyncpg.connect(settings.database_url)
    try:
        found = await connection.fetchval(
            "SELECT email FROM campaign_mails WHERE campaign_id = $1 AND status = 'sent' ORDER BY contact_id LIMIT 1",
            campaign_id,
        )
    finally:
        await connection.close()
    return str(found)


async def _logged_in(http: httpx.AsyncClient, gateway: RunningServices) -> dict[str, str]:
    async def login() -> httpx.Response | None:
        if gateway.processes["gateway"].poll() is not None:
            raise AssertionError(gateway.log_tail("gateway"))
        try:
            answer = await http.post("/api/login", json={"email": DIRECTOR, "password": PASSWORD})
        except httpx.TransportError:
            return None
        return answer if answer.status_code == 200 else None

    answer = await until(login, 60, "the gateway to log in", interval=0.2)
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _finished(http: httpx.AsyncClient, campaign_id: str, auth: dict[str, str]) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        try:
            shown: dict[str, Any] = (await http.get(f"/api/campaigns/{campaign_id}", headers=auth)).json()
        except httpx.TransportError:  # the gateway starting again
            return None
        return shown if shown["state"] == "done" else None

    return await until(done, 120, f"campaign {campaign_id} to be done", interval=0.2)


async def _each_sent_is_an_activity(settings: Settings, store: EventStore, campaign_id: UUID) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        sent = await pool.fetch(
            "SELECT contact_id FROM campaign_mails WHERE campaign_id = $1 AND status = 'sent'", campaign_id
        )
    finally:
        await pool.close()

    def logged() -> int:
        contacts = [store.load(UUID(str(row["contact_id"]))) for row in sent]
        return sum(isinstance(c, Contact) and f"campaign/{campaign_id}" in c.activities for c in contacts)

    assert await asyncio.to_thread(logged) == len(sent)
