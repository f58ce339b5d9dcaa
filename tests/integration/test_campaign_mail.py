"""Campaign mail through a real SMTP server: a thousand contacts mailed once each, an unsubscribe honoured after."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import Counter
from email.message import Message
from uuid import UUID, uuid4

import asyncpg
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from application.event_store import EventStore
from bench.contact_files import vcards
from connectors.mail.smtp import SmtpServer
from domain.bulk_mail import MailTemplate
from domain.contact import Contact
from domain.identities import manager_id
from domain.permissions import DEFAULT_PERMISSIONS, Actor, Role
from services.bulk_mail import Campaign, Sender, queue_campaign, send_queued
from services.console.campaign_segment import segment
from services.console.people_queries import PeopleFilter
from services.console.unsubscribe_route import unsubscribe_route
from services.imports.runner import ImportRequest, run_import
from services.settings import Settings
from services.tokens import Signer
from tests.mail_servers import SmtpSink
from tests.projected import project

CONTACTS = 1000
ADMIN = Actor(manager_id("director@example.com"), Role.DIRECTOR)
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_a_campaign_mails_each_contact_once_and_an_unsubscribe_holds_for_the_next(
    settings: Settings, store: EventStore, smtp_sink: SmtpSink
) -> None:
    signer = Signer(settings.require_secret())
    sender = Sender(
        "sales@shop.example", "Shop", SmtpServer(smtp_sink.host, smtp_sink.port, security="none", timeout=10),
        "http://console.example/unsubscribe", signer, per_second=5000,
    )  # fmt: skip
    template = MailTemplate.checked("News for {name}", "Dear {first_name},\n<b>our prices</b> fell.")

    async def prepare() -> tuple[list[UUID], int]:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        try:
            await run_import(store, pool, ImportRequest(vcards(CONTACTS), "book.vcf", ADMIN.user_id))
            await project(settings, store)
            recipients = await segment(pool, DEFAULT_PERMISSIONS, ADMIN, PeopleFilter())
            stranger = Actor(manager_id("manager@example.com"), Role.MANAGER)
            theirs = await segment(pool, DEFAULT_PERMISSIONS, stranger, PeopleFilter())
            return [r.contact_id for r in recipients], len(theirs)
        finally:
            await pool.close()

    recipients, a_managers = asyncio.run(prepare())
    assert (len(recipients), a_managers) == (CONTACTS, 0)  # a manager may mail only their own contacts: none

    first = Campaign(uuid4(), template, ADMIN.user_id)
    assert asyncio.run(_campaign(settings, store, sender, first)) == {"sent": CONTACTS}
    mails = smtp_sink.wait_for(CONTACTS, timeout=60)
    assert len(mails) == CONTACTS
    assert Counter(m.recipients[0] for m in mails).most_common(1)[0][1] == 1
    one = parsed(mails[0].raw)
    body = one.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "<b>our prices</b> fell." in body  # plain text, as written
    link = str(one["List-Unsubscribe"]).strip("<>")
    assert link in body
    leaving = str(one["To"])

    page = TestClient(Starlette(routes=[unsubscribe_route(lambda: store, signer)]))
    path = "/unsubscribe?" + link.partition("?")[2]
    assert page.get(path).status_code == 200  # showing the button changes nothing
    assert page.post("/unsubscribe?token=forged.token").status_code == 400
    assert page.post(path).status_code == 200

    assert asyncio.run(_campaign(settings, store, sender, first)) == {}  # queued again: nobody mailed twice
    second = Campaign(uuid4(), template, ADMIN.user_id)
    assert asyncio.run(_campaign(settings, store, sender, second)) == {"sent": CONTACTS - 1, "skipped": 1}
    mails = smtp_sink.wait_for(2 * CONTACTS - 1, timeout=60)
    assert len(mails) == 2 * CONTACTS - 1
    assert [m.recipients[0] for m in mails].count(leaving) == 1
    mailed = store.load(recipients[0])
    assert isinstance(mailed, Contact)
    assert f"campaign/{first.campaign_id}" in mailed.activities


async def _campaign(settings: Settings, store: EventStore, sender: Sender, campaign: Campaign) -> dict[str, int]:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        recipients = await segment(pool, DEFAULT_PERMISSIONS, ADMIN, PeopleFilter())
        await queue_campaign(pool, sender, campaign, recipients)
        return await send_queued(pool, store, sender, campaign.campaign_id)
    finally:
        await pool.close()
