"""Bringing the read models up to date in a test: relay the stored events, then build from the log."""

from __future__ import annotations

from application.event_store import EventStore
from services.bootstrap import build_producer, create_pool
from services.projections.rebuild import rebuild
from services.projections.schema import LIVE_SCHEMA
from services.router.outbox import OutboxRelay
from services.settings import Settings
from services.topics import Topics


async def project(settings: Settings, store: EventStore) -> None:
    """Relay every stored event to Kafka and build the live read models from the log."""
    pool = await create_pool(settings, size=2)
    producer = build_producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(store, producer, pool, Topics.named(settings.topic_prefix))
        position = -1
        while (published := await relay.publish_after(max(position, 0))) != position:
            position = published
        await rebuild(settings, pool, LIVE_SCHEMA)
    finally:
        await producer.stop()
        await pool.close()
