"""Operators' replies through the Bot API: split, 429 honoured, a blocked bot failed with the reason,
queued once when published twice, and never sent twice when the sender died in the middle."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from bench.waiting import until
from connectors.telegram.api import connect_bot
from domain.attachments import Attachment
from domain.channels import Channel, ChannelAddress
from domain.conversation import DeliveryOutcome
from domain.delivery_report import DeliveryReport
from domain.outbound import OutboundReply
from services.attachment_store import create_store, keep_files
from services.bootstrap import build_producer
from services.dead_letters import letters
from services.ingest.delivery_rows import Retries
from services.ingest.telegram_replies import TELEGRAM_REPLIES, TelegramReplyQueue
from services.ingest.telegram_sender import UNCERTAIN_DETAIL, TelegramSender
from services.settings import Settings
from services.topics import Topics
from tests.telegram_api import FakeBotApi
from tests.telegram_running import TOKEN, WAIT

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]

FAST = Retries(first_seconds=0.2, max_attempts=3, lease_seconds=1.0)


def reply(chat: int, text: str, bot: str = "shop") -> OutboundReply:
    return OutboundReply(
        conversation_id=uuid.uuid4(),
        reply_id=uuid.uuid4(),
        manager_id=uuid.uuid4(),
        channel=Channel.TELEGRAM,
        address=ChannelAddress(Channel.TELEGRAM, f"{bot}:{chat}"),
        text=text,
        sent_at=datetime.now(tz=UTC),
        source=bot,
    )


class Replies:
    """The reply queue and a sender running against the local Bot API; what they reported."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, api: FakeBotApi) -> None:
        self.settings = settings
        self.pool = pool
        self.api = api
        self.reports: list[DeliveryReport] = []

    async def publish(self, *values: bytes) -> None:
        producer = build_producer(self.settings)
        await producer.start()
        try:
            for value in values:
                await producer.send_and_wait(Topics.named(self.settings.topic_prefix).outbound, value, key=b"k")
        finally:
            await producer.stop()

    async def report(self, outcome: DeliveryReport) -> None:
        self.reports.append(outcome)

    async def outcome(self, reply_id: uuid.UUID) -> DeliveryReport:
        async def reported() -> DeliveryReport | None:
            return next((r for r in self.reports if r.reply_id == reply_id), None)

        return await until(reported, WAIT, f"the outcome of reply {reply_id}")

    @contextlib.asynccontextmanager
    async def running(
        self, retries: Retries = FAST, *, queue: bool = True, killed: bool = False
    ) -> AsyncIterator[asyncio.Event]:
        """The queue (unless told not to) and one sender until the block ends, stopped or ``killed``."""
        connection = connect_bot(TOKEN, self.api.url, timeout=5.0)
        queued, stop = asyncio.Event(), asyncio.Event()
        sender = TelegramSender(self.pool, {"shop": connection.bot}, self.report, retries, queued)
        parts = [sender.run(stop)]
        if queue:
            topic = Topics.named(self.settings.topic_prefix).outbound
            parts.append(TelegramReplyQueue(self.pool, self.settings, topic, queued).run(stop))
        tasks = [asyncio.create_task(part) for part in parts]
        try:
            yield stop
        finally:
            stop.set()
            for task in tasks:
                if killed:
                    task.cancel()  # dies where it stands, as a killed process does
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, WAIT)
            await connection.close()


@pytest.fixture
def api() -> AsyncIterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as server:
        yield server


async def test_a_long_reply_goes_out_in_parts_in_order_and_is_reported_sent(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    long = reply(42, "\n".join(f"line {n:04d} " + "x" * 90 for n in range(100)))  # about 10,000 characters
    async with replies.running():
        await replies.publish(json.dumps(long.to_dict()).encode())
        report = await replies.outcome(long.reply_id)
    assert (report.outcome, report.detail) == (DeliveryOutcome.SENT, "3 message(s) sent")
    sent = api.wait_for_sent(3)
    assert [s.chat_id for s in sent] == [42, 42, 42]
    assert all(len(s.text) <= 4096 for s in sent)
    assert "\n".join(s.text for s in sent) == long.text


async def test_a_429_holds_the_bot_for_its_retry_after_and_the_reply_goes_out_once(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    api.floods = [1.0, 1.0, 1.0, 1.0]  # more than the attempts allowed: a 429 is no failed attempt
    first, second = reply(42, "first"), reply(43, "second")
    async with replies.running():
        started = time.monotonic()
        await replies.publish(json.dumps(first.to_dict()).encode(), json.dumps(second.to_dict()).encode())
        reports = [await replies.outcome(first.reply_id), await replies.outcome(second.reply_id)]
    assert [r.outcome for r in reports] == [DeliveryOutcome.SENT, DeliveryOutcome.SENT]
    assert time.monotonic() - started >= 4.0
    assert sorted(s.text for s in api.sent) == ["first", "second"]
    assert api.calls.count("sendMessage") == 6


async def test_a_customer_who_blocked_the_bot_gets_a_failed_delivery_with_that_reason_and_no_retry(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    api.blocked.add(42)
    blocked, fine = reply(42, "hello?"), reply(44, "hello!")
    async with replies.running():
        await replies.publish(json.dumps(blocked.to_dict()).encode(), json.dumps(fine.to_dict()).encode())
        report = await replies.outcome(blocked.reply_id)
        assert (await replies.outcome(fine.reply_id)).outcome is DeliveryOutcome.SENT
    assert (report.outcome, report.detail) == (DeliveryOutcome.REFUSED, "Forbidden: bot was blocked by the user")
    assert api.calls.count("sendMessage") == 2
    assert [s.chat_id for s in api.sent] == [44]


async def test_a_reply_published_twice_is_sent_once_and_an_unreadable_one_is_set_aside(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    once = json.dumps(reply(42, "only once").to_dict()).encode()
    bad_address = reply(42, "x").to_dict() | {"address": "telegram:shop-without-chat"}
    after = reply(45, "after the bad ones")
    async with replies.running():
        await replies.publish(once, b"{not json", json.dumps(bad_address).encode(), once)
        await replies.publish(json.dumps(after.to_dict()).encode())
        assert (await replies.outcome(after.reply_id)).outcome is DeliveryOutcome.SENT
    assert sorted(s.text for s in api.sent) == ["after the bad ones", "only once"]
    assert await pool.fetchval("SELECT count(*) FROM telegram_deliveries") == 2
    aside = await letters(pool, consumer=TELEGRAM_REPLIES)
    assert len(aside) == 2
    assert any("BOT:CHAT_ID" in letter.error for letter in aside)


async def test_a_reply_whose_sender_died_while_telegram_had_it_is_uncertain_and_not_sent_again(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    api.stalled.add(42)  # Telegram takes the message and never answers
    lost, claimed_only = reply(42, "was it sent?"), reply(46, "waiting behind it")
    async with replies.running(killed=True):
        await replies.publish(json.dumps(lost.to_dict()).encode())
        await asyncio.to_thread(api.wait_for_sent, 1)
    # The sender died while the message was with Telegram; its lease runs out; another one starts.
    assert await pool.fetchval("SELECT status FROM telegram_deliveries") == "sending"
    await pool.execute("UPDATE telegram_deliveries SET claimed_at = now() - interval '1 hour'")
    api.stalled.clear()
    async with replies.running():
        await replies.publish(json.dumps(claimed_only.to_dict()).encode())
        report = await replies.outcome(lost.reply_id)
        assert (await replies.outcome(claimed_only.reply_id)).outcome is DeliveryOutcome.SENT
    assert (report.outcome, report.detail) == (DeliveryOutcome.UNCERTAIN, UNCERTAIN_DETAIL)
    assert [s.text for s in api.sent] == ["was it sent?", "waiting behind it"]


async def test_a_send_that_timed_out_may_have_been_taken_and_is_not_repeated(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    api.stalled.add(42)
    unanswered = reply(42, "no answer")
    async with replies.running():
        await replies.publish(json.dumps(unanswered.to_dict()).encode())
        report = await replies.outcome(unanswered.reply_id)
    assert report.outcome is DeliveryOutcome.UNCERTAIN
    assert "not sent again" in report.detail
    assert api.calls.count("sendMessage") == 1


async def test_a_reply_claimed_but_not_yet_handed_over_is_sent_by_the_next_sender(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    waiting = reply(42, "claimed, then the sender died")
    async with replies.running():
        await replies.publish(json.dumps(waiting.to_dict()).encode())
        report = await replies.outcome(waiting.reply_id)
    assert report.outcome is DeliveryOutcome.SENT
    # A row claimed by a sender that stopped before marking it sending is queued again after the lease.
    stuck = reply(47, "stuck in claimed")
    await pool.execute(
        "INSERT INTO telegram_deliveries (reply_id, conversation_id, bot, chat_id, payload, status, claimed_at,"
        " claim, attempts) VALUES ($1, $2, 'shop', 47, $3, 'claimed', now() - interval '1 hour', $4, 1)",
        stuck.reply_id,
        stuck.conversation_id,
        json.dumps(stuck.to_dict()),
        uuid.uuid4(),
    )
    async with replies.running(queue=False):
        assert (await replies.outcome(stuck.reply_id)).outcome is DeliveryOutcome.SENT
    assert [s.text for s in api.sent] == ["claimed, then the sender died", "stuck in claimed"]


async def test_a_reply_with_files_sends_its_text_then_each_file_as_a_document(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    await create_store(pool)
    invoice, photo = b"%PDF-1.4 the invoice", b"\x89PNG the photo"
    stored = await keep_files(pool, [invoice, photo])
    files = tuple(
        Attachment(sha256=sha, filename=name, content_type=kind, size=len(content), kept=True)
        for sha, name, kind, content in zip(
            stored, ["invoice.pdf", "фото.png"], ["application/pdf", "image/png"], [invoice, photo], strict=True
        )
    )
    with_files = dataclasses.replace(reply(42, "Here is the invoice"), attachments=files)
    only_files = dataclasses.replace(reply(43, ""), attachments=files[:1])
    async with replies.running():
        await replies.publish(json.dumps(with_files.to_dict()).encode(), json.dumps(only_files.to_dict()).encode())
        reports = [await replies.outcome(with_files.reply_id), await replies.outcome(only_files.reply_id)]
    assert [(r.outcome, r.detail) for r in reports] == [
        (DeliveryOutcome.SENT, "3 message(s) sent"),
        (DeliveryOutcome.SENT, "1 message(s) sent"),
    ]
    to_42 = [(s.text, s.filename, s.content) for s in api.wait_for_sent(4) if s.chat_id == 42]
    assert to_42 == [("Here is the invoice", "", b""), ("", "invoice.pdf", invoice), ("", "фото.png", photo)]
    assert [(s.filename, s.content) for s in api.sent if s.chat_id == 43] == [("invoice.pdf", invoice)]


async def test_a_reply_whose_file_left_the_store_fails_with_that_reason_and_sends_nothing(
    settings: Settings, pool: asyncpg.Pool, api: FakeBotApi
) -> None:
    replies = Replies(settings, pool, api)
    await create_store(pool)
    missing = Attachment(sha256="0" * 64, filename="gone.pdf", content_type="application/pdf", size=3, kept=True)
    lost = dataclasses.replace(reply(42, ""), attachments=(missing,))
    async with replies.running():
        await replies.publish(json.dumps(lost.to_dict()).encode())
        report = await replies.outcome(lost.reply_id)
    assert report.outcome is DeliveryOutcome.REFUSED
    assert "gone.pdf" in report.detail
    assert api.sent == []
