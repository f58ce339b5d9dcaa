"""Rebuilding read models from offset zero, and comparing them with the live ones."""

from __future__ import annotations

import time

import asyncpg
from aiokafka import TopicPartition

from services.bootstrap import build_consumer
from services.projections.schema import (
    READ_MODEL_TABLES,
    checked,
    create_read_models,
    drop_read_models,
)
from services.projections.tracking import Position, apply_records
from services.settings import Settings
from services.topics import Topics

REBUILD_SCHEMA = "read_models_rebuild"


class RebuildStalled(RuntimeError):
    """The log stopped yielding records before the rebuild reached its end."""


async def rebuild(
    settings: Settings, pool: asyncpg.Pool, schema: str = REBUILD_SCHEMA, stall_seconds: float = 30.0
) -> Position:
    """Build ``schema`` afresh from the whole domain-event log as it stands now."""
    await drop_read_models(pool, schema)
    await create_read_models(pool, schema)
    partition = TopicPartition(Topics.named(settings.topic_prefix).domain_events, 0)
    consumer = build_consumer(settings)
    await consumer.start()
    position = Position(notification_id=0, kafka_offset=-1)
    try:
        consumer.assign([partition])
        end = (await consumer.end_offsets([partition]))[partition]
        # A plain seek: seek_to_beginning can lose a race with the reset that assign() starts.
        consumer.seek(partition, 0)
        idle_since = time.monotonic()
        while position.kafka_offset + 1 < end:
            batch = await consumer.getmany(partition, timeout_ms=1000, max_records=5000)
            records = [r for r in batch.get(partition, []) if r.offset < end]
            if records:
                position = await apply_records(pool, schema, records, position, notify=False)
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > stall_seconds:
                msg = f"no records for {stall_seconds:.0f}s at offset {position.kafka_offset + 1} of {end}"
                raise RebuildStalled(msg)
    finally:
        await consumer.stop()
    return position


async def differences(pool: asyncpg.Pool, left: str, right: str) -> dict[str, int]:
    """Rows that differ between two schemas of read models, per table (empty: equal)."""
    found = {}
    for table in READ_MODEL_TABLES:
        a, b = f"{checked(left)}.{table}", f"{checked(right)}.{table}"
        count = await pool.fetchval(
            f"SELECT count(*) FROM ((TABLE {a} EXCEPT ALL TABLE {b}) UNION ALL (TABLE {b} EXCEPT ALL TABLE {a})) d"  # noqa: S608
        )
        if count:
            found[table] = count
    return found
