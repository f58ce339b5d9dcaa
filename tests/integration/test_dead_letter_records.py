"""Records the router or the ingest's outbound consumers cannot process are set aside; the rest flow on.

The router's batch holds an undecodable record, one that is not an inbound message, and one the
event store refuses (a trigger standing for any cause that ops can fix) between valid messages:
the valid ones are stored exactly once, the partition's offset moves past them all, and after the
cause is fixed a re-drive stores the refused one. The reply queue and the widget's reply follower
go on past replies they cannot read or queue.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from application.event_store import EventStore
from bench.waiting import until
from domain.channels import Channel, ChannelAddress
from domain.inbound import InboundMessage
from domain.outbound import OutboundMessage, OutboundReply
from services.bootstrap import build_producer
from services.dead_letters import create_dead_letters
from services.ingest.mail_delivery import TABLES as DELIVERIES
from services.ingest.outbound import OutboundFollower
from services.ingest.reply_queue import ReplyQueue
from services.redrive import redrive
from services.router.service import CONSUMER_GROUP, build_broker
from services.settings import Settings
from services.tables import ensure_tables
from services.topics import Topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.timeout(180)]

EVENTS = "switchboard_events"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
REFUSE_POISON = f"""
CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF position('poison' in convert_from(NEW.state, 'UTF8')) > 0 THEN
        RAISE EXCEPTION 'event refused' USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_poison BEFORE INSERT ON {EVENTS} FOR EACH ROW EXECUTE FUNCTION refuse_poison();
"""


@pytest_asyncio.fixture
async def producer(settings: Settings) -> AsyncIterator[AIOKafkaProducer]:
    started = build_producer(settings)
    await started.start()
    yield started
    await started.stop()


def message(visitor: str, message_id: str) -> tuple[bytes, bytes]:
    inbound = InboundMessage.from_visitor(visitor, message_id, f"text of {message_id}", NOW)
    return inbound.key.encode(), json.dumps(inbound.to_dict()).encode()


async def stored(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT convert_from(state, 'UTF8')::jsonb ->> 'channel_message_id' AS id, count(*) AS n"
        f" FROM {EVENTS} WHERE topic LIKE '%Conversation.CustomerWrote' GROUP BY 1"
    )
    return {r["id"]: r["n"] for r in rows}


async def committed_past(settings: Settings, group: str, ends: dict[TopicPartition, int]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:

        async def caught_up() -> bool:
            offsets = await admin.list_consumer_group_offsets(group)
            return all(tp in offsets and offsets[tp].offset >= end for tp, end in ends.items())

        await until(caught_up, 60, f"{group} to commit past {ends}", interval=0.1)
    finally:
        await admin.close()


async def test_inbound_records_that_cannot_be_stored_are_set_aside_and_the_rest_stored_once(
    settings: Settings, store: EventStore, pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    await pool.execute(REFUSE_POISON)
    await create_dead_letters(pool)
    topic = Topics.named(settings.topic_prefix).inbound
    key, _ = message("v1", "m1")
    records = [
        message("v1", "m1"),
        (key, b"{not json"),
        (key, json.dumps({"channel": "webchat", "text": "no ids"}).encode()),
        message("v1", "m-poison"),
        message("v1", "m2"),
        message("v2", "m3"),
    ]
    ends: dict[TopicPartition, int] = {}
    offsets = []
    for record_key, value in records:
        # A JSON content type on a body that is not JSON must not stop the subscriber before the handler.
        sent = await producer.send_and_wait(
            topic, value, key=record_key, headers=[("content-type", b"application/json")]
        )
        ends[TopicPartition(topic, sent.partition)] = sent.offset + 1
        offsets.append(sent.offset)

    broker = build_broker(settings, store, pool)
    await broker.start()
    try:
        await committed_past(settings, CONSUMER_GROUP, ends)
        assert await stored(pool) == {"v1/m1": 1, "v1/m2": 1, "v2/m3": 1}
        letters = await pool.fetch("SELECT * FROM dead_letters ORDER BY kafka_offset")
        assert [(r["consumer"], r["kafka_offset"], r["error_type"], r["attempts"]) for r in letters] == [
            ("router", offsets[1], "UndecodableRecord", 1),
            ("router", offsets[2], "UndecodableRecord", 1),
            ("router", offsets[3], "DataError", 3),
        ]
        assert letters[0]["value"] == b"{not json"
        assert letters[0]["key"] == key
        assert "'channel_message_id' is missing" in letters[1]["error"]

        await pool.execute(f"DROP TRIGGER refuse_poison ON {EVENTS}")
        [fixed] = await redrive(pool, producer, "ops@example.com", letter_id=letters[2]["id"])
        assert fixed.ok, fixed.detail

        async def poison_stored() -> bool:
            return (await stored(pool)).get("v1/m-poison") == 1

        await until(poison_stored, 60, "the re-driven message to be stored")
        assert await stored(pool) == {"v1/m1": 1, "v1/m2": 1, "v2/m3": 1, "v1/m-poison": 1}
        assert await pool.fetchval("SELECT redriven_by FROM dead_letters WHERE id = $1", letters[2]["id"]) == (
            "ops@example.com"
        )

        # Still not a message: the re-drive fails again, and the same letter waits with its new error.
        await redrive(pool, producer, "ops@example.com", letter_id=letters[0]["id"])

        async def waiting_again() -> asyncpg.Record | None:
            row = await pool.fetchrow("SELECT * FROM dead_letters WHERE id = $1", letters[0]["id"])
            return row if row["attempts"] == 2 and row["redriven_at"] is None else None

        await until(waiting_again, 60, "the re-driven letter to fail again")
        assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 3
    finally:
        await broker.stop()


def reply(channel: str, **fields: Any) -> bytes:
    """An operator's reply as the outbound topic carries it, with ``fields`` written over it."""
    sent = OutboundReply(
        conversation_id=uuid4(),
        reply_id=uuid4(),
        manager_id=uuid4(),
        channel=Channel(channel),
        address=ChannelAddress(Channel(channel), "customer@example.com"),
        text="hello",
        sent_at=datetime.now(tz=UTC),
        source="sales",
    )
    return json.dumps({**sent.to_dict(), **fields}).encode()


async def test_replies_the_mail_queue_cannot_queue_are_set_aside_and_the_rest_queued(
    settings: Settings, pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    await ensure_tables(pool, DELIVERIES)
    topic = Topics.named(settings.topic_prefix).outbound
    good = reply("email", source="sales", text="the good one")
    values = [
        b"not json",
        json.dumps({"kind": "reply", "channel": "email", "reply_id": "not-a-uuid"}).encode(),
        reply("email", source="sa\x00les"),  # no mailbox's name holds NUL
        reply("webchat", address="webchat:v1", text="not for mail"),
        json.dumps({"kind": "reply", "channel": "webchat"}).encode(),  # the widget's to set aside, not the mail's
        good,
    ]
    ends: dict[TopicPartition, int] = {}
    for value in values:
        sent = await producer.send_and_wait(topic, value, partition=0)
        ends[TopicPartition(topic, 0)] = sent.offset + 1
    group = f"{settings.topic_prefix}.mail-replies"
    stop = asyncio.Event()
    queue = ReplyQueue(pool, settings, topic, group, asyncio.Event())
    running = asyncio.create_task(queue.run(stop))
    try:
        await committed_past(settings, group, ends)
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
    queued = await pool.fetch("SELECT reply_id FROM mail_deliveries")
    assert [str(r["reply_id"]) for r in queued] == [json.loads(good)["reply_id"]]
    letters = await pool.fetch("SELECT kafka_offset, error_type, attempts FROM dead_letters ORDER BY kafka_offset")
    assert [tuple(r) for r in letters] == [
        (0, "UnreadableReply", 1),
        (1, "UnreadableReply", 1),
        (2, "UnreadableReply", 1),
    ]


async def test_replies_the_widget_cannot_deliver_are_set_aside_and_the_rest_delivered(
    settings: Settings, pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    await create_dead_letters(pool)
    topic = Topics.named(settings.topic_prefix).outbound
    delivered: list[str] = []
    done = asyncio.Event()

    async def deliver(outbound: OutboundMessage) -> int:
        assert isinstance(outbound, OutboundReply)
        delivered.append(str(outbound.reply_id))
        done.set()
        return 1

    follower = OutboundFollower(settings, topic, deliver, pool)
    await follower.start()
    running = asyncio.create_task(follower.run())
    try:
        for value in (
            b"\xff not json",
            json.dumps({"kind": "reply", "text": "no id"}).encode(),
            json.dumps({"kind": "reply", "channel": "email"}).encode(),  # the mail queue's to set aside
            reply("webchat"),
        ):
            await producer.send_and_wait(topic, value, partition=0)
        await asyncio.wait_for(done.wait(), 30)
    finally:
        running.cancel()
        await follower.stop()
    assert len(delivered) == 1
    letters = await pool.fetch("SELECT consumer, error_type FROM dead_letters ORDER BY kafka_offset")
    assert [tuple(r) for r in letters] == [
        ("webchat-replies", "UnicodeDecodeError"),
        ("webchat-replies", "InvalidOutboundMessage"),
    ]
