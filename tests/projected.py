"""Bringing the read models up to date in a test: relay the stored events, then build from the log."""

from __future__ import annotations

import asyncpg
from aiokafka import TopicPartition

from application.event_store import EventStore
from services.bootstrap import build_consumer, build_producer, create_pool
from services.projections.schema import LIVE_SCHEMA, create_read_models, drop_read_models
from services.projections.tracking import Position, apply_records
from services.router.outbox import OutboxRelay
from services.settings import Settings
from services.topics import Topics


async def project(settings: Settings, store: EventStore) -> None:
    """Relay every stored event to Kafka and build the live read models from the topic, as the projection does."""
    pool = await create_pool(settings, size=2)
    producer = build_producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(store, producer, pool, Topics.named(settings.topic_prefix))
        position = -1
        while (published := await relay.publish_after(max(position, 0))) != position:
            position = published
        await drop_read_models(pool, LIVE_SCHEMA)
        await follow_topic(settings, pool, LIVE_SCHEMA)
    finally:
        await producer.stop()
        await pool.close()


async def follow_topic(settings: Settings, pool: asyncpg.Pool, schema: str) -> Position:
    """Apply the domain-events topic from offset zero to its end to ``schema``, as the live projection does."""
    await create_read_models(pool, schema)
    partition = TopicPartition(Topics.named(settings.topic_prefix).domain_events, 0)
    consumer = build_consumer(settings)
    await consumer.start()
    position = Position(notification_id=0, kafka_offset=-1)
    try:
        consumer.assign([partition])
        end = (await consumer.end_offsets([partition]))[partition]
        consumer.seek(partition, 0)
        while position.kafka_offset + 1 < end:
            batch = await consumer.getmany(partition, timeout_ms=1000, max_records=5000)
            records = [r for r in batch.get(partition, []) if r.offset < end]
            if records:
                position = await apply_records(pool, schema, records, position, notify=False)
    finally:
        await consumer.stop()
    return position
