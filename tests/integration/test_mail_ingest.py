"""The mail connector against a real Dovecot and the real event store: IDLE, polling, restarts,
UIDVALIDITY changes, a 1,000-mail backlog, and hostile mail."""

from __future__ import annotations

import asyncio
import os
import time

import asyncpg
import pytest
from structlog.testing import capture_logs

from application.event_store import EventStore
from connectors.mail.watcher import Checkpoint, Timing
from devstack.dovecot import LocalDovecot
from devstack.ports import free_port
from domain.delivery_report import DeliveryReport
from domain.inbound import InboundMessage
from services.ingest.mail import run_mail
from services.ingest.mail_state import PostgresMailboxState
from services.settings import Settings
from tests.mail.corpus import hostile, plain
from tests.mail.harness import Stored, mailbox_of, watching
from tests.mail.proxy import FreezingProxy
from tests.mail_servers import MailUser, with_mailbox

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

CUSTOMER_WROTE = "%Conversation.CustomerWrote"


async def stored_mails(pool: asyncpg.Pool) -> tuple[int, int]:
    """CustomerWrote events and distinct message ids among them, in the event store."""
    row = await pool.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id') AS ids"
        " FROM switchboard_events WHERE topic LIKE $1",
        CUSTOMER_WROTE,
    )
    assert row is not None
    return row["n"], row["ids"]


async def test_a_backlog_of_1000_mails_is_stored_exactly_once(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    # Every tenth mail has no Message-ID: it is deduplicated by a hash of its bytes, and not dropped.
    mails = [plain(n, message_id=None if n % 10 == 0 else "") for n in range(1000)]
    dovecot.put_mails(mail_user.name, "INBOX", mails)
    stored = Stored()
    async with watching(mailbox_of(mail_user), store, pool, stored):
        await stored.until_stored(1000, timeout=120)
    assert await stored_mails(pool) == (1000, 1000)
    saved = await PostgresMailboxState(pool).checkpoint("sales")
    assert saved is not None
    assert saved.uidvalidity == dovecot.uidvalidity(mail_user.name, "INBOX")
    assert saved.last_uid == 1000

    # A second run starts at the checkpoint: nothing is published again.
    again = Stored()
    async with watching(mailbox_of(mail_user), store, pool, again) as watcher:
        await asyncio.wait_for(watcher.connected.wait(), 10)
        dovecot.put_mails(mail_user.name, "INBOX", [plain(1000)])
        await again.until_stored(1)
    assert len(again.published) == 1
    assert await stored_mails(pool) == (1001, 1001)


async def test_idle_pushes_new_mail_without_polling(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    stored = Stored()
    # Polling would take a minute: only IDLE can bring the mail in time.
    slow_poll = mailbox_of(mail_user)
    from tests.mail.harness import FAST  # noqa: PLC0415 - one timing changed for this test

    timing = FAST.__class__(**{**FAST.__dict__, "poll_seconds": 60.0})
    async with watching(slow_poll, store, pool, stored, timing=timing) as watcher:
        await asyncio.wait_for(watcher.connected.wait(), 10)
        dovecot.put_mails(mail_user.name, "INBOX", [plain(1)])
        await stored.until_stored(1, timeout=15)
    assert stored.published[0].subject == "Question 1"


async def test_without_idle_the_folder_is_polled(
    tmp_path_factory: pytest.TempPathFactory, store: EventStore, pool: asyncpg.Pool
) -> None:
    with LocalDovecot(tmp_path_factory.mktemp("no-idle"), free_port(), idle=False) as server:
        server.add_user("poll", "poll-secret")
        user = MailUser("poll", "poll-secret", server.host, server.port)
        stored = Stored()
        async with watching(mailbox_of(user), store, pool, stored) as watcher:
            await asyncio.wait_for(watcher.connected.wait(), 10)
            server.put_mails("poll", "INBOX", [plain(1), plain(2)])
            await stored.until_stored(2, timeout=15)


async def test_a_server_restart_is_survived_and_reported(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    stored = Stored()
    with capture_logs() as logs:
        async with watching(mailbox_of(mail_user), store, pool, stored) as watcher:
            await asyncio.wait_for(watcher.connected.wait(), 10)
            dovecot.put_mails(mail_user.name, "INBOX", [plain(1)])
            await stored.until_stored(1)
            dovecot.stop()
            try:
                async with asyncio.timeout(10):
                    while watcher.connected.is_set():
                        await asyncio.sleep(0.05)
                health = await pool.fetchrow("SELECT connected, error FROM mailbox_health WHERE mailbox = 'sales'")
                assert health is not None
                assert not health["connected"]
                assert health["error"]
            finally:
                dovecot.start()
            dovecot.put_mails(mail_user.name, "INBOX", [plain(2)])
            await stored.until_stored(2, timeout=30)
    assert any(e["event"] == "mailbox_unreachable" for e in logs)
    health = await pool.fetchrow("SELECT connected FROM mailbox_health WHERE mailbox = 'sales'")
    assert health is not None
    assert health["connected"]
    assert await stored_mails(pool) == (2, 2)


async def test_a_uidvalidity_change_resyncs_without_duplicates(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    dovecot.put_mails(mail_user.name, "INBOX", [plain(n, message_id=None if n == 3 else "") for n in range(5)])
    stored = Stored()
    async with watching(mailbox_of(mail_user), store, pool, stored):
        await stored.until_stored(5)
    old = dovecot.uidvalidity(mail_user.name, "INBOX")
    new = dovecot.change_uidvalidity(mail_user.name, "INBOX")
    assert new != old
    dovecot.put_mails(mail_user.name, "INBOX", [plain(5)])

    resynced = Stored()
    with capture_logs() as logs:
        async with watching(mailbox_of(mail_user), store, pool, resynced):
            await resynced.until_published(6)
    # All six were read again under the new UIDVALIDITY; only the new one was stored.
    assert resynced.stored == 1
    assert await stored_mails(pool) == (6, 6)
    assert any(e["event"] == "mailbox_uidvalidity_changed" for e in logs)
    saved = await PostgresMailboxState(pool).checkpoint("sales")
    assert saved is not None
    assert saved.uidvalidity == new


async def test_hostile_mail_is_stored_safely_or_rejected_and_the_good_mail_around_it_is_kept(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    corpus = hostile()
    mails = []
    for number, raw in enumerate(corpus.values()):
        mails += [plain(100 + number), raw]
    mails.append(plain(999))
    dovecot.put_mails(mail_user.name, "INBOX", mails)
    stored = Stored()
    with capture_logs() as logs:
        async with watching(mailbox_of(mail_user), store, pool, stored) as watcher:
            await stored.until_stored(len(corpus) + 1, timeout=60)
            # The watcher reaches the end of the folder: the checkpoint is the last mail's UID.
            async with asyncio.timeout(30):
                while (cp := await PostgresMailboxState(pool).checkpoint("sales")) is None or cp.last_uid < len(mails):
                    await asyncio.sleep(0.05)
            assert watcher.connected.is_set()
    subjects = {m.subject for m in stored.published}
    assert {f"Question {100 + n}" for n in range(len(corpus))} | {"Question 999"} <= subjects
    rejected = [e for e in logs if e["event"] == "mail_rejected"]
    # Every hostile mail is either stored or rejected with a reason: none disappears.
    assert len(stored.published) + len(rejected) == len(mails)
    assert all(e["reason"] for e in rejected)
    # The rejected ones are kept where operators find them, by their place in the folder.
    kept = await pool.fetch("SELECT uid, reason FROM mail_rejections WHERE mailbox = 'sales' ORDER BY uid")
    assert [(r["uid"], r["reason"]) for r in kept] == sorted((e["uid"], e["reason"]) for e in rejected)
    for message in stored.published:
        assert "\r" not in message.sender_name
        assert "\n" not in message.sender_name
        assert "\n" not in message.subject
    injected = next(m for m in stored.published if m.sender.value == "eve@example.com")
    assert "Bcc" in injected.sender_name  # kept as text on one line, never as a header
    assert await stored_mails(pool) == (len(stored.published), len(stored.published))


async def test_excluded_senders_never_become_leads(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    dovecot.put_mails(
        mail_user.name,
        "INBOX",
        [
            plain(1, sender="noreply@bank.example"),
            plain(2, sender="robot@spam.example"),
            # Copying the CRM address does not get an excluded sender in.
            plain(3, sender="noreply@bank.example", extra="Cc: crm@shop.example\r\n"),
            plain(4),
        ],
    )
    stored = Stored()
    excluding = mailbox_of(mail_user, exclude=frozenset({"noreply@bank.example", "@spam.example"}))
    async with watching(excluding, store, pool, stored, crm_address="crm@shop.example"):
        await stored.until_stored(1)
        async with asyncio.timeout(10):
            while (cp := await PostgresMailboxState(pool).checkpoint("sales")) is None or cp.last_uid < 4:
                await asyncio.sleep(0.05)
    assert [m.sender.value for m in stored.published] == ["anna@example.com"]


async def test_a_stalled_connection_is_detected_and_replaced(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    timing = Timing(command_timeout=1.0, idle_seconds=1.0, poll_seconds=0.5, first_backoff=0.1, max_backoff=0.5)
    stored = Stored()
    async with FreezingProxy(mail_user.host, mail_user.port) as proxy:
        through_proxy = MailUser(mail_user.name, mail_user.password, "127.0.0.1", proxy.port)
        with capture_logs() as logs:
            async with watching(mailbox_of(through_proxy), store, pool, stored, timing=timing) as watcher:
                await asyncio.wait_for(watcher.connected.wait(), 10)
                # The open connection goes silent: no push, no answer, no close. Only a new one brings the mail.
                proxy.freeze()
                dovecot.put_mails(mail_user.name, "INBOX", [plain(1)])
                await stored.until_stored(1, timeout=20)
    assert proxy.connections >= 2
    stalls = [e for e in logs if e["event"] == "mailbox_unreachable"]
    assert stalls
    assert "TimeoutError" in stalls[0]["error"]


async def test_on_first_connect_only_the_collection_window_is_read(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    dovecot.put_mails(mail_user.name, "INBOX", [plain(1), plain(2)])
    old = dovecot.folder_path(mail_user.name, "INBOX")
    # The first mail arrived at the server 30 days ago (its internal date is the file's time).
    first = min((old / "new").iterdir())
    month_ago = time.time() - 30 * 86400
    os.utime(first, (month_ago, month_ago))
    stored = Stored()
    async with watching(mailbox_of(mail_user, collect_days=7), store, pool, stored):
        await stored.until_stored(1)
        async with asyncio.timeout(10):
            while (cp := await PostgresMailboxState(pool).checkpoint("sales")) is None or cp.last_uid < 2:
                await asyncio.sleep(0.05)
    assert [m.subject for m in stored.published] == ["Question 2"]


async def test_several_mailboxes_each_with_its_own_credentials_folder_and_checkpoint(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    dovecot.add_user("support-desk", "support-secret")
    support_user = MailUser("support-desk", "support-secret", dovecot.host, dovecot.port)
    dovecot.put_mails(mail_user.name, "INBOX", [plain(1), plain(2)])
    dovecot.put_mails("support-desk", "Support", [plain(3, sender="carl@client.example")])
    sales, support = Stored(), Stored()
    support_box = mailbox_of(support_user, name="support", address="support@shop.example", folder="Support")
    async with (
        watching(mailbox_of(mail_user), store, pool, sales),
        watching(support_box, store, pool, support),
    ):
        await sales.until_stored(2)
        await support.until_stored(1)
    assert {m.source for m in sales.published} == {"sales"}
    assert [(m.source, m.sender.value) for m in support.published] == [("support", "carl@client.example")]
    state = PostgresMailboxState(pool)
    assert (await state.checkpoint("sales"), await state.checkpoint("support")) == (
        Checkpoint(dovecot.uidvalidity(mail_user.name, "INBOX"), 2),
        Checkpoint(dovecot.uidvalidity("support-desk", "Support"), 1),
    )


async def test_a_window_without_mail_still_leaves_the_older_mail_alone(
    dovecot: LocalDovecot, mail_user: MailUser, store: EventStore, pool: asyncpg.Pool
) -> None:
    dovecot.put_mails(mail_user.name, "INBOX", [plain(1), plain(2)])
    month_ago = time.time() - 30 * 86400
    for old in (dovecot.folder_path(mail_user.name, "INBOX") / "new").iterdir():
        os.utime(old, (month_ago, month_ago))
    stored = Stored()
    async with watching(mailbox_of(mail_user, collect_days=7), store, pool, stored) as watcher:
        await asyncio.wait_for(watcher.connected.wait(), 10)
        dovecot.put_mails(mail_user.name, "INBOX", [plain(3)])
        await stored.until_stored(1)
    assert [m.subject for m in stored.published] == ["Question 3"]


async def test_two_ingest_processes_watch_a_mailbox_one_at_a_time(
    settings: Settings, dovecot: LocalDovecot, mail_user: MailUser
) -> None:
    configured = with_mailbox(settings, mail_user)
    published: dict[str, list[str]] = {"first": [], "second": []}
    stops = {"first": asyncio.Event(), "second": asyncio.Event()}

    async def ingest(name: str) -> None:
        async def publish(messages: list[InboundMessage]) -> None:
            published[name].extend(m.channel_message_id for m in messages)

        async def report(_: DeliveryReport) -> None:
            raise AssertionError  # no reply is sent in this test

        pool = await asyncpg.create_pool(configured.database_url, min_size=1, max_size=6)
        assert pool is not None
        try:
            await run_mail(configured, pool, publish, report, stops[name])
        finally:
            await pool.close()

    dovecot.put_mails(mail_user.name, "INBOX", [plain(n) for n in range(3)])
    with capture_logs() as logs:
        first = asyncio.create_task(ingest("first"))
        async with asyncio.timeout(30):
            while len(published["first"]) < 3:
                await asyncio.sleep(0.05)
        second = asyncio.create_task(ingest("second"))
        async with asyncio.timeout(30):
            while not any(e["event"] == "mailbox_watched_elsewhere" for e in logs):
                await asyncio.sleep(0.05)
        stops["first"].set()
        await asyncio.wait_for(first, 30)
        dovecot.put_mails(mail_user.name, "INBOX", [plain(n) for n in range(3, 5)])
        async with asyncio.timeout(30):
            while len(published["second"]) < 2:
                await asyncio.sleep(0.05)
        stops["second"].set()
        await asyncio.wait_for(second, 30)
    # Each mail was published by one process, once: the second took over at the first's checkpoint.
    assert len(published["first"]) == 3
    assert len(published["second"]) == 2
    assert not set(published["first"]) & set(published["second"])
