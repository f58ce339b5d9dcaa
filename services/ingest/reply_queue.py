"""Replies for the email channel, read from the outbound topic into the delivery table, once each.

The consumer group commits an offset only after the rows before it are stored; a reply published
twice (a relay that republished after a crash) collides with its row and is queued once. A reply
that cannot be read, or that the table refuses, is set aside as a dead letter and the rest are
queued, so one bad record cannot hold the replies after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from domain.channels import Channel
from domain.outbound import InvalidOutboundMessage, OutboundReply, bound_for
from services.bootstrap import build_consumer
from services.dead_letters import MAIL_REPLIES, Failure, Retrying, create_dead_letters, log_set_aside, set_aside
from services.ingest.mail_delivery import TABLES
from services.settings import Settings
from services.tables import ensure_tables

log = structlog.get_logger()

Row = tuple[UUID, UUID, str, str]
# What a row of its own can make the table refuse; a lost database is waited for instead.
ROW_ERRORS: tuple[type[Exception], ...] = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError, ValueError)
_INSERT = (
    "INSERT INTO mail_deliveries (reply_id, conversation_id, mailbox, payload)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (reply_id) DO NOTHING"
)


class UnreadableReply(ValueError):
    """A record on the outbound topic that is not JSON, or an email reply without what sending needs."""


class ReplyQueue:
    """Reads replies for the email channel from the outbound topic into the delivery table."""

    def __init__(  # noqa: PLR0913
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        topic: str,
        group: str,
        queued: asyncio.Event,
        retrying: Retrying = Retrying(),  # noqa: B008 - frozen, shared safely
    ) -> None:
        self._pool = pool
        self._retrying = retrying
        self._settings = settings
        self._topic = topic
        self._group = group
        self._consumer = self._new_consumer()
        self._consumer_used = False
        self._queued = queued

    def _new_consumer(self) -> AIOKafkaConsumer:
        # A stopped consumer cannot be started again: each run, after a failure too, has its own.
        return build_consumer(self._settings, self._topic, group=self._group)

    async def run(self, stop: asyncio.Event) -> None:
        """Queue replies until ``stop`` is set; offsets are committed only after the rows are stored."""
        await ensure_tables(self._pool, TABLES)
        await create_dead_letters(self._pool)
        if self._consumer_used:
            self._consumer = self._new_consumer()
        self._consumer_used = True
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
        rows: list[tuple[ConsumerRecord[bytes, bytes], Row]] = []
        for record in (r for records in batches.values() for r in records):
            try:
                row = _delivery_row(record.value)
            except UnreadableReply as error:
                await self._set_aside(record, Failure.of(error))
                continue
            if row is not None:
                rows.append((record, row))
        if rows:
            try:
                await self._pool.executemany(_INSERT, [row for _, row in rows])
            except ROW_ERRORS:
                # One row spoils the statement: queue them one by one to find it.
                for record, row in rows:
                    await self._queue_alone(record, row)
            self._queued.set()
        if batches:
            await self._consumer.commit()

    async def _queue_alone(self, record: ConsumerRecord[bytes, bytes], row: Row) -> None:
        first_failed_at = None
        for attempt in range(1, self._retrying.attempts + 1):
            try:
                await self._pool.execute(_INSERT, *row)
            except ROW_ERRORS as error:
                first_failed_at = first_failed_at or datetime.now(tz=UTC)
                if attempt == self._retrying.attempts:
                    await self._set_aside(record, Failure.of(error, attempt, first_failed_at))
                    return
                await self._retrying.pause(attempt)
                continue
            return

    async def _set_aside(self, record: ConsumerRecord[bytes, bytes], failure: Failure) -> None:
        letter_id = await set_aside(self._pool, MAIL_REPLIES, record, failure)
        log_set_aside(MAIL_REPLIES, letter_id, record, failure)

    async def _rewind(self) -> None:
        for partition in self._consumer.assignment():
            committed = await self._consumer.committed(partition)
            if committed is not None:
                self._consumer.seek(partition, committed)


def _delivery_row(value: bytes | None) -> Row | None:
    """The delivery row of an email reply; None for records of other kinds and channels."""
    try:
        record = json.loads(value or b"")
    except (ValueError, RecursionError) as error:
        msg = f"not JSON: {type(error).__name__}"
        raise UnreadableReply(msg) from None
    if bound_for(record) is not Channel.EMAIL:
        return None
    try:
        reply = OutboundReply.from_dict(record)
    except InvalidOutboundMessage as error:
        msg = f"an email reply that cannot be read: {error}"
        raise UnreadableReply(msg) from None
    return reply.reply_id, reply.conversation_id, reply.source, json.dumps(reply.to_dict())
