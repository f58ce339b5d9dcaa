"""The router process: consumes inbound messages, stores them, relays the outbox."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from domain.errors import InvalidInboundMessage
from domain.inbound import InboundMessage
from services.bootstrap import build_inbox, build_producer, create_pool, instance_name
from services.heartbeat import beat
from services.router.idle_reroute import reroute_overdue
from services.router.inbox import Inbox
from services.router.outbox import OutboxRelay
from services.settings import Settings
from services.topics import Topics

log = structlog.get_logger()

CONSUMER_GROUP = "router"


def build_broker(settings: Settings, inbox: Inbox) -> KafkaBroker:
    """The inbound subscriber: a batch is committed only after it is stored.

    NACK_ON_ERROR rewinds to the batch's first record when storing fails, so a
    failure retries instead of skipping; redelivery after a crash is harmless
    because receiving is idempotent.
    """
    topics = Topics.named(settings.topic_prefix)
    broker = KafkaBroker(settings.kafka_bootstrap, logger=None)

    @broker.subscriber(
        topics.inbound,
        group_id=CONSUMER_GROUP,
        batch=True,
        max_records=settings.router_batch_size,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_inbound(batch: list[Any]) -> None:
        messages = []
        for raw in batch:
            try:
                messages.append(InboundMessage.from_dict(raw))
            except InvalidInboundMessage as error:
                log.warning("inbound_rejected", reason=str(error))
        results = await asyncio.to_thread(inbox.receive, messages)
        for result in results:
            log.info(
                "inbound_received",
                outcome=result.outcome,
                message_id=result.channel_message_id,
                conversation_id=str(result.conversation_id) if result.conversation_id else None,
                lead_id=str(result.lead_id) if result.lead_id else None,
                contact_id=str(result.contact_id) if result.contact_id else None,
                manager_id=str(result.assigned_to) if result.assigned_to else None,
            )

    return broker


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run the router until ``stop`` is set."""
    inbox = await asyncio.to_thread(build_inbox, settings)
    pool = await create_pool(settings)
    producer = build_producer(settings)
    await producer.start()
    broker = build_broker(settings, inbox)
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
