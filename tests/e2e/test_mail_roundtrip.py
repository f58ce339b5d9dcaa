"""A customer's mail reaches an operator live, the reply goes out by SMTP threaded under it,
and a killed ingest neither imports the mail again nor sends a reply twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bench.waiting import until
from devstack.dovecot import LocalDovecot
from services.projections.schema import LIVE_SCHEMA
from services.settings import Settings
from tests.e2e.test_webchat_roundtrip import next_frame, operator_socket
from tests.mail_servers import MailUser, SmtpSink, with_mailbox
from tests.services_running import RunningServices, health_details, load_demo, services

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

WAIT = 30.0
CUSTOMER_MAIL = (
    b"From: Anna Customer <anna@customer.example>\r\nTo: Sales <sales@shop.example>\r\nSubject: Delivery to Riga\r\n"
    b"Date: Mon, 03 Mar 2025 10:15:00 +0200\r\nMessage-ID: <riga-1@customer.example>\r\n\r\nDo you deliver to Riga?\r\n"
)


@pytest.mark.runs_long(50)
def test_a_mail_is_answered_by_mail_through_every_service(
    settings: Settings, tmp_path: Path, dovecot: LocalDovecot, mail_user: MailUser, smtp_sink: SmtpSink
) -> None:
    with_mail = with_mailbox(
        settings,
        mail_user,
        display_name="Shop Sales",
        collect_days=14,
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_security="none",
    )
    load_demo(with_mail)
    with services(with_mail, tmp_path / "logs") as running:
        asyncio.run(roundtrip(with_mail, running, dovecot, mail_user, smtp_sink))


async def roundtrip(
    settings: Settings, running: RunningServices, dovecot: LocalDovecot, user: MailUser, sink: SmtpSink
) -> None:
    report = await running.healthy()
    assert report["checks"]["mail"]["mailboxes"]["sales"]["connected"]  # type: ignore[index]
    anna = await operator_socket(settings, "anna@example.com")
    boris = await operator_socket(settings, "boris@example.com")
    dovecot.put_mails(user.name, "INBOX", [CUSTOMER_MAIL])

    waits = {asyncio.ensure_future(next_frame(s, "conversation")): s for s in (anna, boris)}
    done, pending = await asyncio.wait(waits, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    assert done, "no operator was told of the mail"
    for wait in pending:
        wait.cancel()
    first = done.pop()
    holder = waits[first]
    conversation = first.result()["conversation"]
    assert conversation["address"] == "email:anna@customer.example"
    message = (await next_frame(holder, "message"))["message"]
    assert (message["subject"], message["text"]) == ("Delivery to Riga", "Do you deliver to Riga?")

    await holder.send(
        json.dumps({"type": "reply", "conversation_id": conversation["id"], "text": "Yes.", "request_id": "r1"})
    )
    (sent,) = await asyncio.to_thread(sink.wait_for, 1, WAIT)
    mail = message_from_bytes(sent.raw, policy=policy.default)
    assert mail["In-Reply-To"] == "<riga-1@customer.example>"
    assert mail["Subject"] == "Re: Delivery to Riga"
    assert sent.recipients == ("anna@customer.example",)

    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:

        async def delivered() -> Any:
            return await pool.fetchval(
                f"SELECT delivery FROM {LIVE_SCHEMA}.messages WHERE conversation_id = $1 AND author = 'manager'",
                uuid.UUID(conversation["id"]),
            )

        assert await until(delivered, WAIT, "the read model to show the reply as sent") == "sent"

        # Ingest is killed and started again: the mail is not imported twice, the reply not sent twice.
        running.kill("ingest")
        running.start("ingest")
        await running.healthy()
        await holder.send(
            json.dumps(
                {"type": "reply", "conversation_id": conversation["id"], "text": "In two days.", "request_id": "r2"}
            )
        )
        messages = await asyncio.to_thread(sink.wait_for, 2, WAIT)
        assert [m.raw.count(b"In two days.") for m in messages] == [0, 1]
        customer_mails = await pool.fetchval(
            "SELECT count(*) FROM switchboard_events WHERE topic LIKE '%Conversation.CustomerWrote'"
        )
        assert customer_mails == 1
        assert len(sink.messages) == 2

        # The IMAP server goes away: /healthz says so, with the error, until it is back.
        dovecot.stop()
        try:

            async def reported_down() -> dict[str, Any] | None:
                report = await health_details(settings)
                mail = report["checks"]["mail"] if report is not None else {"ok": True}
                return mail if not mail["ok"] else None

            down = await until(reported_down, WAIT, "/healthz to report the mailbox unreachable")
            assert report_status(down) == (False, True)
        finally:
            dovecot.start()
        await running.healthy()
    finally:
        await pool.close()
    for socket in (anna, boris):
        await socket.close()


def test_ingest_killed_in_the_middle_of_a_backlog_stores_every_mail_once(
    settings: Settings, tmp_path: Path, dovecot: LocalDovecot, mail_user: MailUser
) -> None:
    with_mail = with_mailbox(settings, mail_user)
    mails = [
        b"From: Customer %d <c%d@customer.example>\r\nSubject: Question %d\r\n"
        b"Message-ID: <q%d@customer.example>\r\n\r\nHello %d\r\n" % (n, n % 40, n, n, n)
        for n in range(BACKLOG)
    ]
    dovecot.put_mails(mail_user.name, "INBOX", mails)
    load_demo(with_mail)
    with services(with_mail, tmp_path / "logs", ("ingest", "router", "gateway")) as running:
        asyncio.run(kill_midway(with_mail, running))


BACKLOG = 600


async def kill_midway(settings: Settings, running: RunningServices) -> None:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:

        async def stored() -> int:
            try:
                return int(
                    await pool.fetchval(
                        "SELECT count(*) FROM switchboard_events WHERE topic LIKE '%Conversation.CustomerWrote'"
                    )
                )
            except asyncpg.UndefinedTableError:
                return 0

        async def started() -> int | None:
            count = await stored()
            return count if 0 < count < BACKLOG else None

        # Killed while the backlog is being read: some mails published, the checkpoint behind them.
        await until(started, WAIT, "the first mails of the backlog to be stored", interval=0.01)
        running.kill("ingest")
        running.start("ingest")

        async def all_stored() -> int | None:
            count = await stored()
            return count if count >= BACKLOG else None

        await until(all_stored, 120, "every mail of the backlog to be stored", interval=0.2)
        distinct = await pool.fetchval(
            "SELECT count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id')"
            " FROM switchboard_events WHERE topic LIKE '%Conversation.CustomerWrote'"
        )
        receipts = await pool.fetchval(
            "SELECT count(*) FROM switchboard_events WHERE topic LIKE '%MessageReceipt.Recorded'"
        )
        assert (await stored(), distinct, receipts) == (BACKLOG, BACKLOG, BACKLOG)
    finally:
        await pool.close()


def report_status(mail: dict[str, Any]) -> tuple[bool, bool]:
    """(connected, has an error) of the sales mailbox in a /healthz mail check."""
    sales = mail["mailboxes"]["sales"]
    return sales["connected"], bool(sales["error"])
