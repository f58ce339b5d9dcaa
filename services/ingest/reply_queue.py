"""Replies for the email channel, read from the outbound topic into the delivery table, once each.

The consumer group commits an offset only after the rows before it are stored; a reply published
twice (a relay that republished after a crash) collides with its row and is queued once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from uuid import UUID

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from domain.channels import Channel
from services.ingest.mail_delivery import SCHEMA
from services.tables import ensure_tables

log = structlog.get_logger()


class ReplyQueue:
    """Reads replies for the email channel from the outbound topic into the delivery table."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, topic: str, group: str, queued: asyncio.Event) -> None:
        self._pool = pool
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._queued = queued

    async def run(self, stop: asyncio.Event) -> None:
        """Queue replies until ``stop`` is set; offsets are committed only after the rows are stored."""
        await ensure_tables(self._pool, SCHEMA)
        await self._consumer.start()
        try:
            while not stop.is_set():
                try:
                    await self._queue_next()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as error:
                    # Nothing was committed: the same records are read again once the database is back.
                    log.warning("reply_queue_waiting", error=str(error) or type(error).__name__)
                    await self._rewind()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
        finally:
            await self._consumer.stop()

    async def _queue_next(self) -> None:
        batches = await self._consumer.getmany(timeout_ms=500, max_records=200)
        rows = [row for records in batches.values() for r in records if (row := _delivery_row(r.value))]
        if rows:
            await self._pool.executemany(
                "INSERT INTO mail_deliveries (reply_id, conversation_id, mailbox, payload)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (reply_id) DO NOTHING",
                rows,
            )
            self._queued.set()
        if batches:
            await self._consumer.commit()

    async def _rewind(self) -> None:
        for partition in self._consumer.assignment():
            committed = await self._consumer.committed(partition)
            if committed is not None:
                self._consumer.seek(partition, committed)


def _delivery_row(value: bytes | None) -> tuple[UUID, UUID, str, str] | None:
    try:
        record = json.loads(value or b"")
    except ValueError:
        log.warning("outbound_unreadable")
        return None
    if not isinstance(record, dict) or record.get("kind") != "reply" or record.get("channel") != Channel.EMAIL:
        return None
    try:
        return (
            UUID(record["reply_id"]),
            UUID(record["conversation_id"]),
            str(record.get("source") or ""),
            json.dumps(_without_nul(record)),
        )
    except (KeyError, ValueError, TypeError):
        log.warning("outbound_reply_unreadable", reply_id=record.get("reply_id"))
        return None


def _without_nul(value: object) -> object:
    """``value`` with NUL removed from every string: jsonb cannot hold it, and a mail would not carry it."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value
