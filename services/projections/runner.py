"""The projection process: follows the domain-events topic into the live read models."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog
from aiokafka import TopicPartition

from services.bootstrap import build_consumer, create_pool, instance_name
from services.dead_letters import PROJECTIONS, Retrying, create_dead_letters
from services.heartbeat import beat
from services.projections import event_log
from services.projections.replay import replay
from services.projections.schema import LIVE_SCHEMA, create_read_models
from services.projections.tracking import Position, apply_records, load_position
from services.projections.versions import ReplayUnderWay
from services.settings import Settings
from services.topics import Topics

log = structlog.get_logger()

MAX_RECORDS = 2000
# What fails a whole batch rather than one event: the database is away or the batch was interrupted.
UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
MAX_BACKOFF_SECONDS = 10.0


async def follow(settings: Settings, pool: asyncpg.Pool, schema: str, stop: asyncio.Event, *, notify: bool) -> None:
    """Apply the log to ``schema`` from its stored position until ``stop`` is set.

    The position lives in Postgres with the read models, not in Kafka's
    consumer offsets, so an update and its position commit together.
    """
    await create_read_models(pool, schema)
    await create_dead_letters(pool)
    retrying = Retrying(settings.dead_letter_attempts, settings.dead_letter_backoff_seconds)
    # Letters are re-driven into the live read models; any other schema only logs what it skips.
    letters_of = PROJECTIONS if schema == LIVE_SCHEMA else None
    position = await load_position(pool, schema)
    if schema == LIVE_SCHEMA and position.notification_id == 0:
        position = await _filled_from_the_store(pool)
    partition = TopicPartition(Topics.named(settings.topic_prefix).domain_events, 0)
    # Should a reset to the earliest offset ever win over the seek below, re-reading is harmless:
    # applied events are skipped.
    consumer = build_consumer(settings, committed_only=True)
    await consumer.start()
    try:
        consumer.assign([partition])
        consumer.seek(partition, position.kafka_offset + 1)
        log.info("projection_following", schema=schema, offset=position.kafka_offset + 1)
        failures = 0
        while not stop.is_set():
            batch = await consumer.getmany(partition, timeout_ms=200, max_records=MAX_RECORDS)
            records = batch.get(partition, [])
            if not records:
                continue
            try:
                position = await apply_records(
                    pool, schema, records, position, notify=notify, consumer=letters_of, retrying=retrying
                )
            except UNAVAILABLE as error:
                # Nothing of the batch was stored: read it again from the position once the database is back.
                failures += 1
                log.warning("projection_waiting", schema=schema, error=str(error) or type(error).__name__)
                consumer.seek(partition, position.kafka_offset + 1)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(MAX_BACKOFF_SECONDS, 0.2 * 2 ** min(failures, 6)))
            else:
                failures = 0
    finally:
        await consumer.stop()


async def _filled_from_the_store(pool: asyncpg.Pool) -> Position:
    """Live read models found empty are filled by replay from the event store, which keeps every event.

    The domain-events topic may have lost its oldest records to retention; the topic is then followed
    from the replay's position (its records up to there are passed over by notification id).
    """
    head = await event_log.head(pool)
    if head:
        log.info("projection_filling_by_replay", schema=LIVE_SCHEMA, notification_id=head)
        try:
            await replay(pool)
        except ReplayUnderWay:
            # Another process is filling it; its switch moves the stored position this one goes on from.
            log.info("projection_replay_under_way", schema=LIVE_SCHEMA)
    return await load_position(pool, LIVE_SCHEMA)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run the projections process until ``stop`` is set."""
    pool = await create_pool(settings)
    try:
        await asyncio.gather(
            follow(settings, pool, LIVE_SCHEMA, stop, notify=True),
            beat(pool, "projections", instance_name("projections"), stop),
        )
    finally:
        await pool.close()
