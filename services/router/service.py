"""The router process: consumes inbound messages, stores them, relays the outbox."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import structlog
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy

from services import bootstrap
from services.bootstrap import build_inbox, build_producer, create_pool, instance_name
from services.dead_letters import Retrying, create_dead_letters
from services.heartbeat import beat
from services.record_shapes import InboundBatch
from services.router.idle_reroute import reroute_overdue
from services.router.inbox import Inbox
from services.router.outbox import OutboxRelay
from services.router.storing import InboundStore
from services.settings import Settings
from services.topics import Topics

log = structlog.get_logger()

CONSUMER_GROUP = "router"


def build_broker(settings: Settings, inbox: Inbox, pool: asyncpg.Pool) -> KafkaBroker:
    """The inbound subscriber: a batch is committed only after each record is stored or set aside.

    NACK_ON_ERROR rewinds to the batch's first record when storing fails for a reason
    not of any record (the database is away), so a failure retries instead of skipping;
    redelivery after a crash is harmless because receiving is idempotent. A record that
    fails on its own is set aside by the store, and the rest of its partition flows on.
    """
    topics = Topics.named(settings.topic_prefix)
    broker = bootstrap.build_broker(settings)
    store = InboundStore(inbox, pool, Retrying(settings.dead_letter_attempts, settings.dead_letter_backoff_seconds))

    @broker.subscriber(
        topics.inbound,
        description="Stores each message in the event store, or sets it aside as a dead letter.",
        group_id=CONSUMER_GROUP,
        batch=True,
        max_records=settings.router_batch_size,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_records,
    )
    async def on_inbound(batch: InboundBatch) -> None:
        await store.store(batch)

    return broker


def _records(message: StreamMessage[Any]) -> list[ConsumerRecord[bytes, bytes]]:
    """The batch's records as read: the store decodes each itself, so one bad body cannot stop the batch."""
    return list(message.raw_message)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run the router until ``stop`` is set."""
    inbox = await asyncio.to_thread(build_inbox, settings)
    pool = await create_pool(settings)
    await create_dead_letters(pool)
    producer = build_producer(settings)
    await producer.start()
    broker = build_broker(settings, inbox, pool)
    await broker.start()
    relay = OutboxRelay(inbox, producer, pool, Topics.named(settings.topic_prefix))
    log.info("router_started")
    try:
        await asyncio.gather(
            relay.run(stop),
            reroute_overdue(inbox, pool, stop),
            beat(pool, "router", instance_name("router"), stop),
        )
    finally:
        await broker.stop()
        await producer.stop()
        await pool.close()
        inbox.close()
