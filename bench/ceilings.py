"""Ceilings on the same machine and the same payloads, so every pipeline figure is also a ratio.

kafka: raw aiokafka produce (ingest's producer settings) and consume of the
inbound payloads on the same broker. store: the router's own batched writes
(``receive_messages``, one transaction per batch) straight into the event store,
without Kafka. copy: asyncpg COPY of the very rows those writes stored.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from eventsourcing.persistence import ApplicationRecorder

from application.managers import register_manager
from application.receive_messages import receive_messages
from application.work_day import change_work_day
from bench.customers import Plan
from bench.doors import inbound_message, payload
from services.bootstrap import build_event_store, build_producer
from services.settings import Settings

EVENTS = "switchboard_events"
BIG_CAPACITY = 10_000_000


@dataclass(frozen=True)
class StoreCeiling:
    """The event store's batched write rate for the router's work."""

    messages_per_second: float
    events_per_second: float


async def raw_topic(settings: Settings, topic: str) -> tuple[AIOKafkaConsumer, AIOKafkaProducer]:
    """A fresh topic of the inbound topic's partitions, a consumer at its start and a producer, both started."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, settings.inbound_partitions, 1)])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p) for p in range(settings.inbound_partitions)]
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None)
    producer = build_producer(settings)
    await consumer.start()
    await producer.start()
    consumer.assign(partitions)
    for partition in partitions:
        consumer.seek(partition, 0)
    return consumer, producer


async def kafka_ceiling(settings: Settings, plan: Plan, topic: str, within: float) -> float:
    """Messages/s through raw produce+consume of the plan's payloads on a fresh topic."""
    records = [inbound_message(t) for t in plan.touches]
    consumer, producer = await raw_topic(settings, topic)
    consumed = 0

    async def consume() -> None:
        nonlocal consumed
        while consumed < len(records):
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            consumed += sum(len(r) for r in batch.values())

    try:
        started = time.monotonic()
        reading = asyncio.create_task(consume())
        sends = [await producer.send(topic, payload(m), key=m.key.encode()) for m in records]
        await asyncio.gather(*sends)
        await asyncio.wait_for(reading, within)
        return len(records) / (time.monotonic() - started)
    finally:
        await producer.stop()
        await consumer.stop()


def store_ceiling(settings: Settings, plan: Plan, managers: int) -> StoreCeiling:
    """Messages/s and events/s of ``receive_messages`` in router-sized batches (blocking; run in a thread)."""
    event_store = build_event_store(settings)
    try:
        for n in range(managers):
            manager_id = register_manager(
                event_store, f"Manager {n}", f"m{n}@ceiling.example", BIG_CAPACITY, settings.team
            )
            change_work_day(event_store, manager_id, "start")
        recorder = event_store.recorder
        assert isinstance(recorder, ApplicationRecorder)
        first = recorder.max_notification_id() or 0
        messages = [inbound_message(t) for t in plan.touches]
        size = settings.router_batch_size
        started = time.monotonic()
        for at in range(0, len(messages), size):
            receive_messages(event_store, messages[at : at + size])
        seconds = time.monotonic() - started
        events = (recorder.max_notification_id() or 0) - first
    finally:
        event_store.close()
    return StoreCeiling(len(messages) / seconds, events / seconds)


async def copy_ceiling(database_url: str) -> float:
    """Rows/s of asyncpg COPY of the stored event rows into an empty table shaped like the store's."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(f"SELECT * FROM {EVENTS} ORDER BY notification_id")
        await conn.execute(
            f"DROP TABLE IF EXISTS copy_ceiling; CREATE TABLE copy_ceiling (LIKE {EVENTS} INCLUDING ALL)"
        )
        started = time.monotonic()
        await conn.copy_records_to_table("copy_ceiling", records=[tuple(r) for r in rows], columns=list(rows[0].keys()))
        seconds = time.monotonic() - started
        copied = await conn.fetchval("SELECT count(*) FROM copy_ceiling")
    finally:
        await conn.close()
    return int(copied) / seconds
