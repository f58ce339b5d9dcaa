"""Replies for Telegram, read from the outbound topic into ``telegram_deliveries``, once each.

The consumer group ``<prefix>.telegram-replies`` commits an offset only after the rows before it
are stored; a reply published twice collides with its row and is queued once. A reply that
cannot be read, or that the table refuses, is set aside as a dead letter and the rest are queued.
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
from aiokafka.structs import ConsumerRecord

from domain.channels import Channel
from domain.outbound import InvalidOutboundMessage, OutboundReply, bound_for
from services.bootstrap import build_consumer
from services.dead_letters import Failure, create_dead_letters, log_set_aside, set_aside
from services.settings import Settings
from services.tables import ensure_tables

log = structlog.get_logger()

TELEGRAM_REPLIES = "telegram-replies"
TABLES = """
CREATE TABLE IF NOT EXISTS telegram_deliveries (
    reply_id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL,
    bot text NOT NULL,
    chat_id bigint NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'queued',
    attempts integer NOT NULL DEFAULT 0,
    parts_sent integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at timestamptz,
    claim uuid,
    outcome text,
    detail text,
    outcome_recorded boolean NOT NULL DEFAULT false,
    queued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS telegram_deliveries_due ON telegram_deliveries (next_attempt_at) WHERE status = 'queued';
"""
Row = tuple[UUID, UUID, str, int, str]
_INSERT = (
    "INSERT INTO telegram_deliveries (reply_id, conversation_id, bot, chat_id, payload)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (reply_id) DO NOTHING"
)


class UnreadableReply(ValueError):
    """A record on the outbound topic that is not JSON, or a Telegram reply without what sending needs."""


def delivery_row(value: bytes | None) -> Row | None:
    """The delivery row of a Telegram reply; None for records of other kinds and channels."""
    try:
        record = json.loads(value or b"")
    except (ValueError, RecursionError) as error:
        msg = f"not JSON: {type(error).__name__}"
        raise UnreadableReply(msg) from None
    if bound_for(record) is not Channel.TELEGRAM:
        return None
    try:
        reply = OutboundReply.from_dict(record)
    except InvalidOutboundMessage as error:
        msg = f"a Telegram reply that cannot be read: {error}"
        raise UnreadableReply(msg) from None
    bot, _, chat = reply.address.value.partition(":")
    if not bot or not chat.lstrip("-").isdigit() or len(chat) > 20:  # noqa: PLR2004 - a 64-bit id's digits
        msg = f"a Telegram reply's address must be 'BOT:CHAT_ID', not {reply.address.value!r}"
        raise UnreadableReply(msg)
    return reply.reply_id, reply.conversation_id, bot, int(chat), json.dumps(reply.to_dict())


class TelegramReplyQueue:
    """Reads Telegram replies from the outbound topic into the delivery table."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings, topic: str, queued: asyncio.Event) -> None:
        self._pool = pool
        self._settings = settings
        self._topic = topic
        self._queued = queued

    async def run(self, stop: asyncio.Event) -> None:
        """Queue replies until ``stop``; offsets are committed only after the rows are stored."""
        await ensure_tables(self._pool, TABLES)
        await create_dead_letters(self._pool)
        # A stopped consumer cannot be started again: each run, after a failure too, has its own.
        group = f"{self._settings.topic_prefix}.{TELEGRAM_REPLIES}"
        consumer = build_consumer(self._settings, self._topic, group=group)
        await consumer.start()
        try:
            while not stop.is_set():
                try:
                    await self._queue_next(consumer)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as error:
                    # Nothing was committed: the same records are read again once the database is back.
                    log.warning("telegram_reply_queue_waiting", error=str(error) or type(error).__name__)
                    await _rewind(consumer)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
        finally:
            await consumer.stop()

    async def _queue_next(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=500, max_records=200)
        for record in (r for records in batches.values() for r in records):
            try:
                row = delivery_row(record.value)
                if row is not None:
                    await self._pool.execute(_INSERT, *row)
            except (UnreadableReply, asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as error:
                await self._set_aside(record, Failure.of(error))
                continue
            if row is not None:
                log.info("telegram_reply_queued", reply_id=str(row[0]), conversation_id=str(row[1]), bot=row[2])
                self._queued.set()
        if batches:
            await consumer.commit()

    async def _set_aside(self, record: ConsumerRecord[bytes, bytes], failure: Failure) -> None:
        letter_id = await set_aside(self._pool, TELEGRAM_REPLIES, record, failure)
        log_set_aside(TELEGRAM_REPLIES, letter_id, record, failure)


async def _rewind(consumer: AIOKafkaConsumer) -> None:
    for partition in consumer.assignment():
        committed = await consumer.committed(partition)
        if committed is None:
            # Nothing committed yet: the group starts at the beginning, and so does the retry.
            await consumer.seek_to_beginning(partition)
        else:
            consumer.seek(partition, committed)
