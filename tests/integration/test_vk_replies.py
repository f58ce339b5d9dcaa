"""Operators' replies to VK customers: read from Kafka once, sent with messages.send once, errors 6 and 9
waited out, 901 a failed delivery, a sender stopped mid-send taken over without showing a reply twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from application.event_store import EventStore
from connectors.vk.delivery import parts, random_id
from devstack.vk import LocalVk
from domain.channels import Channel as Channels
from domain.channels import ChannelAddress
from domain.conversation import DeliveryOutcome
from domain.outbound import OutboundReply, QueuePosition
from services.bootstrap import build_producer
from services.dead_letters import letters
from services.ingest.vk_deliveries import RESEND_WITHIN, TABLES
from services.ingest.vk_replies import VK_REPLIES
from services.settings import Settings
from services.tables import ensure_tables
from services.topics import Topics
from tests.vk_harness import GROUP, TOKEN, Channel, vk_channel, with_community

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]

CUSTOMER = 501


@pytest_asyncio.fixture
async def vk() -> AsyncIterator[LocalVk]:
    fake = LocalVk()
    fake.community(GROUP, TOKEN)
    with fake.running():
        yield fake


def fast(settings: Settings, vk: LocalVk, **changes: Any) -> Settings:
    return with_community(settings, vk).model_copy(
        update={"vk_retry_seconds": 0.05, "vk_max_attempts": 4, "vk_send_lease_seconds": 1.0, **changes}
    )


@pytest_asyncio.fixture
async def channel(settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool) -> AsyncIterator[Channel]:
    async with vk_channel(fast(settings, vk), store, pool) as running:
        yield running


def reply(text: str = "Yes, in two days.", *, source: str = "shop", peer: str = str(CUSTOMER)) -> OutboundReply:
    return OutboundReply(
        conversation_id=uuid.uuid4(),
        reply_id=uuid.uuid4(),
        manager_id=uuid.uuid4(),
        channel=Channels.VK,
        address=ChannelAddress(Channels.VK, peer),
        text=text,
        sent_at=datetime.now(UTC),
        source=source,
    )


async def publish(settings: Settings, *values: bytes) -> None:
    producer = build_producer(settings)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(Topics.named(settings.topic_prefix).outbound, value, key=b"k")
    finally:
        await producer.stop()


def record(message: OutboundReply | QueuePosition) -> bytes:
    return json.dumps(message.to_dict()).encode()


async def outcome_of(channel: Channel, reply_id: uuid.UUID) -> tuple[DeliveryOutcome, str]:
    await channel.inbox.until(lambda inbox: any(r.reply_id == reply_id for r in inbox.reports))
    (report,) = [r for r in channel.inbox.reports if r.reply_id == reply_id]
    return report.outcome, report.detail


async def test_a_reply_published_twice_is_sent_once(channel: Channel, vk: LocalVk, settings: Settings) -> None:
    answer = reply()
    await publish(settings, record(answer), record(answer))
    (sent,) = await asyncio.to_thread(vk.wait_for_sent, 1)
    assert (sent.peer_id, sent.text, sent.random_id) == (CUSTOMER, "Yes, in two days.", random_id(answer.reply_id, 0))
    assert await outcome_of(channel, answer.reply_id) == (DeliveryOutcome.SENT, f"VK message {sent.message_id}")
    assert len(vk.calls_of("messages.send")) == 1


async def test_errors_6_and_9_are_waited_out(channel: Channel, vk: LocalVk, settings: Settings) -> None:
    vk.send_errors = [6, 9]
    answer = reply()
    await publish(settings, record(answer))
    assert (await outcome_of(channel, answer.reply_id))[0] is DeliveryOutcome.SENT
    assert len(vk.calls_of("messages.send")) == 3
    assert len(vk.sent) == 1


async def test_a_customer_who_has_not_allowed_messages_is_a_failed_delivery_with_that_reason(
    channel: Channel, vk: LocalVk, settings: Settings
) -> None:
    vk.refusing_peers.add(CUSTOMER)
    answer = reply()
    await publish(settings, record(answer))
    outcome, detail = await outcome_of(channel, answer.reply_id)
    assert outcome is DeliveryOutcome.REFUSED
    assert "has not allowed the community to send them messages (VK error 901)" in detail
    assert len(vk.calls_of("messages.send")) == 1


async def test_vk_that_keeps_asking_to_wait_is_given_up_on(channel: Channel, vk: LocalVk, settings: Settings) -> None:
    vk.send_errors = [9] * 10
    answer = reply()
    await publish(settings, record(answer))
    outcome, detail = await outcome_of(channel, answer.reply_id)
    assert (outcome, detail) == (DeliveryOutcome.GAVE_UP, "VK error 9: Flood control")
    assert len(vk.calls_of("messages.send")) == 4


async def test_a_long_reply_goes_in_parts_in_order(channel: Channel, vk: LocalVk, settings: Settings) -> None:
    text = " ".join(f"word{n}" for n in range(1500))
    answer = reply(text)
    await publish(settings, record(answer))
    assert (await outcome_of(channel, answer.reply_id))[0] is DeliveryOutcome.SENT
    sent = vk.sent
    assert len(sent) == len(parts(text)) > 1
    assert "".join(s.text for s in sent) == text
    assert len({s.random_id for s in sent}) == len(sent)


async def test_replies_it_cannot_send_fail_and_others_flow(
    channel: Channel, vk: LocalVk, settings: Settings, pool: asyncpg.Pool
) -> None:
    elsewhere, not_a_user, good = reply(source="gone"), reply(peer="someone"), reply("after")
    broken = {**reply().to_dict(), "reply_id": "not-a-uuid"}
    other_channel = {**reply().to_dict(), "channel": "email", "address": "email:a@b.example"}
    await publish(
        settings,
        record(elsewhere),
        json.dumps(broken).encode(),
        b"not json",
        json.dumps(other_channel).encode(),
        record(QueuePosition(uuid.uuid4(), 2)),
        record(not_a_user),
        record(good),
    )
    assert (await outcome_of(channel, good.reply_id))[0] is DeliveryOutcome.SENT
    outcome, detail = await outcome_of(channel, elsewhere.reply_id)
    assert (outcome, detail) == (DeliveryOutcome.REFUSED, "no VK community named 'gone' is configured to send it")
    assert (await outcome_of(channel, not_a_user.reply_id))[0] is DeliveryOutcome.REFUSED
    assert [s.text for s in vk.sent] == ["after"]
    set_aside = await letters(pool, consumer=VK_REPLIES)
    assert sorted(letter.error_type for letter in set_aside) == ["UnreadableReply", "UnreadableReply"]


async def stopped_mid_send(pool: asyncpg.Pool, answer: OutboundReply, seconds_ago: float) -> None:
    """A row as a sender leaves it when it stops after handing the reply to VK."""
    await ensure_tables(pool, TABLES)
    await pool.execute(
        "INSERT INTO vk_deliveries (reply_id, conversation_id, community, payload, status, attempts, claimed_at, claim)"
        " VALUES ($1, $2, 'shop', $3, 'sending', 1, now() - make_interval(secs => $4), $5)",
        answer.reply_id,
        answer.conversation_id,
        json.dumps(answer.to_dict()),
        seconds_ago,
        uuid.uuid4(),
    )


async def test_a_reply_a_stopped_sender_handed_over_is_sent_again_and_shown_once(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    answer = reply()
    # The stopped sender's call reached VK: the customer has the message already.
    await asyncio.to_thread(_send_directly, vk, answer)
    await stopped_mid_send(pool, answer, seconds_ago=5)
    async with vk_channel(fast(settings, vk), store, pool) as channel:
        assert (await outcome_of(channel, answer.reply_id))[0] is DeliveryOutcome.SENT
    assert len(vk.calls_of("messages.send")) == 1  # the takeover's own call; the first was made directly
    assert len(vk.sent) == 1


async def test_a_reply_left_mid_send_too_long_is_failed_as_uncertain_and_not_sent(
    settings: Settings, vk: LocalVk, store: EventStore, pool: asyncpg.Pool
) -> None:
    answer = reply()
    await stopped_mid_send(pool, answer, seconds_ago=RESEND_WITHIN + 60)
    async with vk_channel(fast(settings, vk), store, pool) as channel:
        outcome, _ = await outcome_of(channel, answer.reply_id)
    assert outcome is DeliveryOutcome.UNCERTAIN
    assert vk.calls_of("messages.send") == []


def _send_directly(vk: LocalVk, answer: OutboundReply) -> None:
    import requests  # noqa: PLC0415 - only this test calls VK itself

    values = {
        "access_token": TOKEN,
        "peer_id": CUSTOMER,
        "random_id": random_id(answer.reply_id, 0),
        "message": answer.text,
    }
    assert "response" in requests.post(f"{vk.api_url}/messages.send", data=values, timeout=10).json()
    vk.calls.clear()
