"""Operators' replies by mail: threaded headers, retries, refusals, and never a second copy after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import json
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any
from uuid import UUID

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from eventsourcing.persistence import ApplicationRecorder
from structlog.testing import capture_logs

from application.event_store import EventStore
from application.managers import register_manager
from application.receive_messages import receive_messages
from application.record_delivery import record_delivery
from application.reply import reply
from connectors.mail.parsing import parse_mail, to_inbound
from connectors.mail.reply import message_id
from connectors.mail.smtp import SmtpServer
from devstack.dovecot import LocalDovecot
from devstack.ports import free_port
from domain.attachments import Attachment
from domain.conversation import Conversation
from domain.delivery_report import DeliveryReport
from domain.identities import lead_id, reply_id
from domain.outbound import OutboundReply
from services.attachment_store import create_store, keep_files
from services.ingest.delivery_rows import ReportOutcome, Retries
from services.ingest.mail_delivery import TABLES, MailSender, SendingMailbox
from services.ingest.reply_queue import ReplyQueue
from services.router.outbox import for_the_customer
from services.router.published import public_event
from services.settings import Settings
from services.tables import ensure_tables
from services.topics import Topics
from tests.mail.corpus import plain
from tests.mail_servers import MailUser, SmtpSink

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SHOP = "sales@shop.example"
# As long as the ids Outlook and Exchange write: a reply must cite it whole, never as an encoded-word.
CUSTOMER_ID = "AM9PR07MB7123456789ABCDEF0123456789ABCDEF0123@AM9PR07MB7123.eurprd07.prod.outlook.com"
CUSTOMER_MAIL = (
    b"From: Anna Customer <anna@customer.example>\r\nTo: Sales <sales@shop.example>\r\nSubject: Order 42\r\n"
    b"Date: Mon, 03 Mar 2025 10:15:00 +0200\r\nMessage-ID: <"
    + CUSTOMER_ID.encode()
    + b">\r\n\r\nWhere is my order?\r\n"
)


@pytest_asyncio.fixture(autouse=True)
async def deliveries(pool: asyncpg.Pool) -> None:
    await ensure_tables(pool, TABLES)


def sending_from(sink: SmtpSink) -> dict[str, SendingMailbox]:
    server = SmtpServer(host=sink.host, port=sink.port, security="none", timeout=5.0)
    return {"sales": SendingMailbox(address=SHOP, display_name="Shop Sales", server=server)}


def customer_writes(store: EventStore, raw: bytes = CUSTOMER_MAIL) -> UUID:
    """The customer's mail received into the sales mailbox; its conversation's id."""
    message = to_inbound(parse_mail(raw), "sales", datetime.now(tz=UTC))
    (received,) = receive_messages(store, [message])
    assert received.conversation_id is not None
    return received.conversation_id


def operator_replies(store: EventStore, conversation: UUID, text: str, request: str) -> dict[str, Any]:
    """An operator's reply, and the record the outbox relay puts on the outbound topic for it."""
    manager = register_manager(store, "Boris", f"boris-{request}@shop.example", 5, "sales")
    reply(store, conversation, manager, text, request, any_conversation=True)
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    notifications = recorder.select_notifications(start=0, limit=100_000, topics=[])
    records = [for_the_customer(public_event(store, n)) for n in notifications]
    sent = reply_id(conversation, request)
    return [r.to_dict() for r in records if isinstance(r, OutboundReply) and r.reply_id == sent][-1]


async def publish(settings: Settings, *records: dict[str, Any]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(Topics.named(settings.topic_prefix).outbound, json.dumps(record).encode())
    finally:
        await producer.stop()


def recorded_by_router(store: EventStore) -> ReportOutcome:
    """The router's part, played here: each delivery report recorded on its conversation at once."""

    async def report(outcome: DeliveryReport) -> None:
        await asyncio.to_thread(
            record_delivery, store, outcome.conversation_id, outcome.reply_id, outcome.outcome, outcome.detail
        )

    return report


@contextlib.asynccontextmanager
async def sending(
    settings: Settings, pool: asyncpg.Pool, store: EventStore, sink: SmtpSink, retries: Retries | None = None
) -> AsyncIterator[None]:
    """The reply queue and the sender of the ingest process, running until the block ends."""
    stop, queued = asyncio.Event(), asyncio.Event()
    topics = Topics.named(settings.topic_prefix)
    queue = ReplyQueue(pool, settings, topics.outbound, f"{settings.topic_prefix}.mail-replies", queued)
    sender = MailSender(
        pool,
        sending_from(sink),
        recorded_by_router(store),
        retries or Retries(first_seconds=0.2, lease_seconds=60),
        queued,
    )
    tasks = [asyncio.create_task(queue.run(stop)), asyncio.create_task(sender.run(stop))]
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 15)


async def delivery(pool: asyncpg.Pool, reply_id: object, *, timeout: float = 20.0) -> asyncpg.Record:
    """The delivery row once its outcome is recorded as an event."""
    async with asyncio.timeout(timeout):
        while True:
            row = await pool.fetchrow(
                "SELECT * FROM mail_deliveries WHERE reply_id = $1 AND outcome_recorded", UUID(str(reply_id))
            )
            if row is not None:
                return row
            await asyncio.sleep(0.05)


def imap_threads(user: MailUser, folder: str) -> str:
    """The server's REFERENCES threading of a folder, as IMAP THREAD answers it."""
    with imaplib.IMAP4(user.host, user.port) as client:
        client.login(user.name, user.password)
        client.select(folder)
        status, data = client.uid("THREAD", "REFERENCES", "UTF-8", "ALL")
        assert status == "OK"
        return b" ".join(d for d in data if isinstance(d, bytes)).decode()


def delivered(store: EventStore, conversation: UUID) -> set[str]:
    """Replies of the conversation whose delivery outcome is recorded in the event store."""
    found = store.repository.get(conversation)
    assert isinstance(found, Conversation)
    return set(found.delivered)


async def test_a_reply_threads_under_the_customer_mail_and_the_answer_continues_the_conversation(  # noqa: PLR0913
    settings: Settings,
    pool: asyncpg.Pool,
    store: EventStore,
    smtp_sink: SmtpSink,
    dovecot: LocalDovecot,
    mail_user: MailUser,
) -> None:
    conversation = customer_writes(store)
    record = operator_replies(store, conversation, "It ships today.", "r1")
    async with sending(settings, pool, store, smtp_sink):
        await publish(settings, record)
        (sent,) = await asyncio.to_thread(smtp_sink.wait_for, 1)
        row = await delivery(pool, record["reply_id"])
    assert (row["status"], row["outcome"], row["attempts"]) == ("sent", "sent", 1)
    mail = message_from_bytes(sent.raw, policy=policy.default)
    reply_message_id = message_id(UUID(str(record["reply_id"])), SHOP)
    assert mail["Message-ID"] == f"<{reply_message_id}>"
    assert mail["In-Reply-To"] == f"<{CUSTOMER_ID}>"
    assert mail["References"] == f"<{CUSTOMER_ID}>"
    assert mail["Subject"] == "Re: Order 42"
    assert mail["To"] == "anna@customer.example"
    assert sent.recipients == ("anna@customer.example",)
    assert mail.get_content().strip() == "It ships today."
    assert delivered(store, conversation) == {str(record["reply_id"])}

    # In the customer's mail client, the reply sits under the original: Dovecot threads them by References.
    # THREAD REFERENCES also groups by subject, so the copy of the original gets another one: only the
    # reply's References can join the two.
    renamed = CUSTOMER_MAIL.replace(b"Subject: Order 42", b"Subject: Where is my parcel")
    dovecot.put_mails(mail_user.name, "Threads", [renamed, sent.raw])
    threads = await asyncio.to_thread(imap_threads, mail_user, "Threads")
    assert threads == "(1 2)"

    # The customer answers the reply from a client that sets In-Reply-To only: same conversation.
    answer = plain(
        2, sender="anna@customer.example", subject="Re: Order 42", extra=f"In-Reply-To: <{reply_message_id}>\r\n"
    )
    (received,) = receive_messages(store, [to_inbound(parse_mail(answer), "sales", datetime.now(tz=UTC))])
    assert received.conversation_id == conversation
    assert received.lead_id == lead_id(conversation)


async def test_a_temporary_failure_is_retried_and_a_permanent_one_is_recorded(
    settings: Settings, pool: asyncpg.Pool, store: EventStore, smtp_sink: SmtpSink
) -> None:
    conversation = customer_writes(store)
    deferred = operator_replies(store, conversation, "First answer.", "r1")
    refused = operator_replies(store, conversation, "Second answer.", "r2")
    smtp_sink.fail_next(1, "451 4.3.0 try again later")
    async with sending(settings, pool, store, smtp_sink):
        await publish(settings, deferred)
        first = await delivery(pool, deferred["reply_id"])
        smtp_sink.fail_next(1, "550 5.1.1 no such user")
        await publish(settings, refused)
        second = await delivery(pool, refused["reply_id"])
    assert (first["outcome"], first["attempts"]) == ("sent", 2)
    assert (second["outcome"], second["attempts"]) == ("refused", 1)
    assert second["detail"].startswith("550")
    assert [m.raw.count(b"First answer.") for m in smtp_sink.messages] == [1]
    assert delivered(store, conversation) == {str(deferred["reply_id"]), str(refused["reply_id"])}


async def test_a_reply_is_never_sent_twice(
    settings: Settings, pool: asyncpg.Pool, store: EventStore, smtp_sink: SmtpSink
) -> None:
    conversation = customer_writes(store)
    redelivered = operator_replies(store, conversation, "Once only.", "r1")
    in_flight = operator_replies(store, conversation, "Was on the wire.", "r2")
    before_data = operator_replies(store, conversation, "Was only claimed.", "r3")
    # A sender that died left one reply in the middle of DATA and one claimed before it; their leases ran out.
    for record, status in ((in_flight, "sending"), (before_data, "claimed")):
        await pool.execute(
            "INSERT INTO mail_deliveries (reply_id, conversation_id, mailbox, payload, status, attempts, claimed_at)"
            " VALUES ($1, $2, 'sales', $3, $4, 1, now() - interval '1 hour')",
            UUID(str(record["reply_id"])),
            conversation,
            json.dumps(record),
            status,
        )
    async with sending(settings, pool, store, smtp_sink):
        # The same reply on the topic twice (a relay that published again after a crash): one mail.
        await publish(settings, redelivered, redelivered, in_flight, before_data)
        once = await delivery(pool, redelivered["reply_id"])
        uncertain = await delivery(pool, in_flight["reply_id"])
        claimed = await delivery(pool, before_data["reply_id"])
    assert once["outcome"] == "sent"
    assert uncertain["outcome"] == "uncertain"
    assert claimed["outcome"] == "sent"
    texts = [m.raw for m in smtp_sink.messages]
    assert sum(b"Once only." in raw for raw in texts) == 1
    assert sum(b"Was only claimed." in raw for raw in texts) == 1
    assert not any(b"Was on the wire." in raw for raw in texts)


async def test_two_customers_answering_the_same_outside_mail_are_two_conversations(store: EventStore) -> None:
    newsletter = "news-42@mailer.example"

    def answer(number: int, sender: str) -> bytes:
        threading = f"In-Reply-To: <{newsletter}>\r\nReferences: <{newsletter}>\r\n"
        return plain(number, sender=sender, subject="Re: Spring offers", extra=threading)

    anna = customer_writes(store, answer(1, "anna@a.example"))
    bob = customer_writes(store, answer(2, "bob@b.example"))
    assert anna != bob
    # Anna's second answer to the same newsletter stays in her conversation.
    assert customer_writes(store, answer(3, "anna@a.example")) == anna


async def test_a_reply_to_an_address_the_server_cannot_carry_fails_and_the_next_one_is_sent(
    settings: Settings, pool: asyncpg.Pool, store: EventStore, smtp_sink: SmtpSink
) -> None:
    idn = customer_writes(store, plain(1, sender="kunde@пример.рф"))
    fine = customer_writes(store)
    unsendable = operator_replies(store, idn, "Hello there.", "r1")
    with_nul = operator_replies(store, fine, "Null\x00byte.", "r2")
    async with sending(settings, pool, store, smtp_sink):
        await publish(settings, unsendable, with_nul)
        refused = await delivery(pool, unsendable["reply_id"])
        sent = await delivery(pool, with_nul["reply_id"])
    assert refused["outcome"] == "refused"
    assert "cannot be sent" in refused["detail"]
    assert sent["outcome"] == "sent"
    (message,) = smtp_sink.messages
    assert b"Nullbyte." in message.raw


class SlowFirstRecipient:
    """An SMTP server whose first RCPT takes longer than a sender's lease; it keeps what it accepts."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.rcpts = 0
        self.accepted: list[bytes] = []
        self.quits = threading.Semaphore(0)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook
        self, server: object, session: object, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.rcpts += 1
        if self.rcpts == 1:
            await asyncio.sleep(self.delay)  # the server's own slowness, in its own thread
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802
        self.accepted.append(envelope.original_content or envelope.content)
        return "250 OK"

    async def handle_QUIT(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.quits.release()
        return "221 Bye"


async def test_a_sender_slower_than_its_lease_does_not_send_what_another_took_over(
    settings: Settings, pool: asyncpg.Pool, store: EventStore
) -> None:
    conversation = customer_writes(store)
    record = operator_replies(store, conversation, "Only one copy.", "r1")
    await pool.execute(
        "INSERT INTO mail_deliveries (reply_id, conversation_id, mailbox, payload) VALUES ($1, $2, 'sales', $3)",
        UUID(str(record["reply_id"])),
        conversation,
        json.dumps(record),
    )
    slow = SlowFirstRecipient(delay=3.0)
    controller = Controller(slow, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        server = SmtpServer(host="127.0.0.1", port=controller.port, security="none", timeout=10.0)
        mailboxes = {"sales": SendingMailbox(address=SHOP, display_name="Shop Sales", server=server)}
        retries = Retries(first_seconds=0.2, lease_seconds=1.0)
        stop = asyncio.Event()
        senders = [MailSender(pool, mailboxes, recorded_by_router(store), retries, asyncio.Event()) for _ in range(2)]
        with capture_logs() as logs:
            tasks = [asyncio.create_task(sender.run(stop)) for sender in senders]
            row = await delivery(pool, record["reply_id"])
            # Both senders have talked to the server: the slow one gave up its claim and said goodbye.
            assert await asyncio.to_thread(slow.quits.acquire, True, 15)
            assert await asyncio.to_thread(slow.quits.acquire, True, 15)
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 15)
    finally:
        controller.stop()
    assert row["outcome"] == "sent"
    assert len(slow.accepted) == 1
    assert any(e["event"] == "reply_mail_taken_over" for e in logs)


async def test_a_reply_with_files_is_one_mail_with_them_attached(
    settings: Settings, pool: asyncpg.Pool, store: EventStore, smtp_sink: SmtpSink
) -> None:
    await create_store(pool)
    price_list = b"%PDF-1.4 the price list"
    (sha,) = await keep_files(pool, [price_list])
    conversation = customer_writes(store)
    manager = register_manager(store, "Boris", "boris-files@shop.example", 5, "sales")
    file = Attachment(sha256=sha, filename="цены.pdf", content_type="application/pdf", size=len(price_list), kept=True)
    reply(store, conversation, manager, "Our prices, attached.", "files", attachments=(file,), any_conversation=True)
    record = next(
        r.to_dict()
        for r in (for_the_customer(public_event(store, n)) for n in _notifications(store))
        if isinstance(r, OutboundReply) and r.reply_id == reply_id(conversation, "files")
    )
    async with sending(settings, pool, store, smtp_sink):
        await publish(settings, record)
        sent = await delivery(pool, record["reply_id"])
    assert sent["outcome"] == "sent"
    (mail,) = [message_from_bytes(m.raw, policy=policy.default) for m in smtp_sink.messages]
    parts = list(mail.iter_parts())
    assert parts[0].get_content().strip() == "Our prices, attached."
    assert [(p.get_filename(), p.get_payload(decode=True)) for p in parts[1:]] == [("цены.pdf", price_list)]


def _notifications(store: EventStore) -> list[Any]:
    recorder = store.recorder
    assert isinstance(recorder, ApplicationRecorder)
    return list(recorder.select_notifications(start=0, limit=100_000, topics=[]))
