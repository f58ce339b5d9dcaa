"""The router process: every routing decision, and the event store's outbox.

It consumes four topics. ``inbound``: messages are stored and their leads routed. ``domain-events``:
when the log shows a place opened (a work day started, a lead released, rules applied) the queues
it concerns are drained. ``delivery-reports``: how each reply's delivery ended is recorded.
``calls``: what telephone lines report of calls is recorded, with the leads and call-back tasks it
calls for. It also moves on leads past their deadlines, fires activities' reminders, and relays
every stored event to Kafka.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import structlog
from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from application.event_store import EventStore
from services import bootstrap
from services.bootstrap import build_event_store, build_producer, create_pool, instance_name
from services.dead_letters import Retrying, create_dead_letters
from services.heartbeat import beat
from services.one_by_one import handle_each, raw_records
from services.record_shapes import CallEventBatch, DeliveryReportBatch, EventBatch, InboundBatch
from services.router import call_reactions, calls, delivery_reports, queue_reactions
from services.router.outbox import OutboxRelay
from services.router.overdue_leads import move_overdue_leads
from services.router.reminders import fire_due_reminders
from services.router.storing import InboundStore
from services.settings import Settings
from services.topics import Topics

log = structlog.get_logger()

CONSUMER_GROUP = "router"


def build_broker(settings: Settings, store: EventStore, pool: asyncpg.Pool) -> KafkaBroker:
    """The router's subscribers: a batch is committed only after each record is handled or set aside.

    NACK_ON_ERROR rewinds to the batch's first record when handling fails for a reason not of any
    record (the database is away), so a failure retries instead of skipping; redelivery after a
    crash is harmless because every handler is idempotent. A record that fails on its own is set
    aside, and the rest of its partition flows on.
    """
    topics = Topics.named(settings.topic_prefix)
    broker = bootstrap.build_broker(settings)
    retrying = Retrying(settings.dead_letter_attempts, settings.dead_letter_backoff_seconds)
    inbound = InboundStore(store, pool, retrying)

    @broker.subscriber(
        topics.inbound,
        description="Stores each message in the event store, or sets it aside as a dead letter.",
        group_id=CONSUMER_GROUP,
        batch=True,
        max_records=settings.router_batch_size,
        # A poll that finds nothing is followed by a pause of the same length: with faststream's default
        # 200 ms, a message arriving in a quiet spell waited up to 200 ms before it was even read. The
        # other subscribers keep the default: nobody waits on them by the millisecond.
        batch_timeout_ms=settings.router_idle_wait_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=raw_records,
    )
    async def on_inbound(batch: InboundBatch) -> None:
        await inbound.store(batch)

    @broker.subscriber(
        topics.domain_events,
        group_id=queue_reactions.CONSUMER,
        description="Drains the queues where an event opened a place: a work day started, a lead freed, rules applied.",
        batch=True,
        max_records=500,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=raw_records,
    )
    async def on_domain_events(batch: EventBatch) -> None:
        await queue_reactions.react(store, batch)

    @broker.subscriber(
        topics.delivery_reports,
        group_id=delivery_reports.CONSUMER,
        description="Records each report on its conversation, or sets it aside as a dead letter.",
        batch=True,
        max_records=100,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=raw_records,
    )
    async def on_delivery_reports(batch: DeliveryReportBatch) -> None:
        async def record(item: Any) -> None:  # noqa: ANN401 - a ConsumerRecord
            await delivery_reports.record_report(store, item)

        await handle_each(batch, record, delivery_reports.CONSUMER, pool, retrying)

    lines = calls.call_lines(settings)

    @broker.subscriber(
        topics.calls,
        group_id=calls.CONSUMER,
        description="Records each call event on its call, contact, lead and call-back task, or sets it aside.",
        batch=True,
        max_records=100,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=raw_records,
    )
    async def on_calls(batch: CallEventBatch) -> None:
        async def record(item: Any) -> None:  # noqa: ANN401 - a ConsumerRecord
            await calls.record_call_event(store, lines, item)

        await handle_each(batch, record, calls.CONSUMER, pool, retrying)

    @broker.subscriber(
        topics.domain_events,
        group_id=call_reactions.CONSUMER,
        description="Follows up the calls that waited for their lead's manager, once the lead is assigned.",
        batch=True,
        max_records=500,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=raw_records,
    )
    async def on_assignments(batch: EventBatch) -> None:
        await call_reactions.react(store, lines, batch)

    return broker


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run the router until ``stop`` is set."""
    store = await asyncio.to_thread(build_event_store, settings)
    pool = await create_pool(settings)
    await create_dead_letters(pool)
    producer = build_producer(settings)
    await producer.start()
    broker = build_broker(settings, store, pool)
    await broker.start()
    relay = OutboxRelay(store, producer, pool, Topics.named(settings.topic_prefix))
    log.info("router_started")
    try:
        await asyncio.gather(
            relay.run(stop),
            move_overdue_leads(store, stop),
            fire_due_reminders(store, stop),
            beat(pool, "router", instance_name("router"), stop),
        )
    finally:
        await broker.stop()
        await producer.stop()
        await pool.close()
        store.close()
