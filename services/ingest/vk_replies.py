"""Replies for the VK channel, read from the outbound topic into ``vk_deliveries``, once each.

The consumer group ``<prefix>.vk-replies`` commits an offset only after the rows before it are
stored; a reply published twice collides with its row and is queued once. A reply bound for VK
that cannot be read, or that the table refuses, is set aside as a dead letter and the rest are
queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from domain.channels import Channel
from domain.outbound import InvalidOutboundMessage, OutboundReply, bound_for
from services.bootstrap import build_consumer
from services.dead_letters import Failure, Retrying, create_dead_letters, log_set_aside, set_aside
from services.ingest.reply_queue import ROW_ERRORS, Row, UnreadableReply
from services.ingest.vk_deliveries import INSERT, VkDeliveries
from services.settings import Settings

log = structlog.get_logger()

VK_REPLIES = "vk-replies"
UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError)


class VkReplyQueue:
    """Reads replies bound for VK from the outbound topic into the delivery table."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        topic: str,
        queued: asyncio.Event,
        retrying: Retrying = Retrying(),  # noqa: B008 - frozen, shared safely
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._topic = topic
        self._queued = queued
        self._retrying = retrying

    async def run(self, stop: asyncio.Event) -> None:
        """Queue replies until ``stop`` is set; offsets are committed only after the rows are stored."""
        await VkDeliveries(self._pool).create()
        await create_dead_letters(self._pool)
        # A stopped consumer cannot be started again: each run, after a failure too, has its own.
        consumer = build_consumer(self._settings, self._topic, group=f"{self._settings.topic_prefix}.{VK_REPLIES}")
        await consumer.start()
        try:
            while not stop.is_set():
                try:
                    await self._queue_next(consumer)
                except UNAVAILABLE as error:
                    # Nothing was committed: the same records are read again once the database is back.
                    log.warning("vk_reply_queue_waiting", error=str(error) or type(error).__name__)
                    await _rewind(consumer)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
        finally:
            await consumer.stop()

    async def _queue_next(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=500, max_records=200)
        rows: list[tuple[ConsumerRecord[bytes, bytes], Row]] = []
        for record in (r for records in batches.values() for r in records):
            try:
                row = delivery_row(record.value)
            except UnreadableReply as error:
                await self._set_aside(record, Failure.of(error))
                continue
            if row is not None:
                rows.append((record, row))
        if rows:
            try:
                await self._pool.executemany(INSERT, [row for _, row in rows])
            except ROW_ERRORS:
                for record, row in rows:  # one row spoils the statement: queue them one by one to find it
                    await self._queue_alone(record, row)
            self._queued.set()
        if batches:
            await consumer.commit()

    async def _queue_alone(self, record: ConsumerRecord[bytes, bytes], row: Row) -> None:
        for attempt in range(1, self._retrying.attempts + 1):
            try:
                await self._pool.execute(INSERT, *row)
            except ROW_ERRORS as error:
                if attempt == self._retrying.attempts:
                    await self._set_aside(record, Failure.of(error, attempt))
                    return
                await self._retrying.pause(attempt)
            else:
                return

    async def _set_aside(self, record: ConsumerRecord[bytes, bytes], failure: Failure) -> None:
        letter_id = await set_aside(self._pool, VK_REPLIES, record, failure)
        log_set_aside(VK_REPLIES, letter_id, record, failure)


async def _rewind(consumer: AIOKafkaConsumer) -> None:
    for partition in consumer.assignment():
        committed = await consumer.committed(partition)
        if committed is not None:
            consumer.seek(partition, committed)


def delivery_row(value: bytes | None) -> Row | None:
    """The delivery row of a VK reply; None for records of other kinds and channels."""
    try:
        record = json.loads(value or b"")
    except (ValueError, RecursionError) as error:
        msg = f"not JSON: {type(error).__name__}"
        raise UnreadableReply(msg) from None
    if bound_for(record) is not Channel.VK:
        return None
    try:
        reply = OutboundReply.from_dict(record)
    except InvalidOutboundMessage as error:
        msg = f"a VK reply that cannot be read: {error}"
        raise UnreadableReply(msg) from None
    return reply.reply_id, reply.conversation_id, reply.source, json.dumps(reply.to_dict())
