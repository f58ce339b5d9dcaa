"""Storing a batch of inbound records so that one which fails on its own is set aside and the rest are stored.

A batch that fails to store is split in halves, and each half stored on its own, down to the
record that fails alone. That record is tried again a few times, then set aside as a dead letter;
everything else is stored, so its partition moves on. Only errors of a record itself count: a lost
database or a write that keeps colliding with another router fails the batch, and the subscriber
reads it again. Receiving is idempotent, so storing half a batch and then reading it all again
stores nothing twice.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from aiokafka.structs import ConsumerRecord

from application.event_store import EventStore
from application.receive_messages import receive_messages
from application.receiving import ReceivedMessage
from domain.errors import DomainError
from domain.inbound import InboundMessage
from services.dead_letters import ROUTER, Failure, Retrying, log_set_aside, set_aside
from services.one_by_one import RECORD_ERRORS

log = structlog.get_logger()


class UndecodableRecord(ValueError):
    """An inbound record that is not a normalized inbound message."""


@dataclass(frozen=True)
class Inbound:
    """A record and the message read from it."""

    record: ConsumerRecord[bytes, bytes]
    message: InboundMessage


class InboundStore:
    """Stores inbound records in the event store, setting aside those that cannot be stored."""

    def __init__(self, store: EventStore, pool: asyncpg.Pool, retrying: Retrying) -> None:
        self._events = store
        self._pool = pool
        self._retrying = retrying

    async def store(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Store every record of a batch or set it aside; returns only when each is one or the other."""
        readable = []
        for record in records:
            try:
                readable.append(Inbound(record, decoded(record)))
            except UndecodableRecord as error:
                await self._set_aside(record, None, Failure.of(error))
        await self._store(readable)

    async def _store(self, batch: list[Inbound]) -> None:
        if not batch:
            return
        try:
            results = await asyncio.to_thread(receive_messages, self._events, [item.message for item in batch])
        except RECORD_ERRORS as error:
            if len(batch) == 1:
                await self._store_alone(batch[0], datetime.now(tz=UTC))
                return
            middle = len(batch) // 2
            log.info(
                "inbound_batch_split",
                records=len(batch),
                first_offset=batch[0].record.offset,
                error_type=type(error).__name__,
            )
            await self._store(batch[:middle])
            await self._store(batch[middle:])
            return
        _log_received(results)

    async def _store_alone(self, item: Inbound, first_failed_at: datetime) -> None:
        for attempt in range(1, self._retrying.attempts + 1):
            try:
                results = await asyncio.to_thread(receive_messages, self._events, [item.message])
            except RECORD_ERRORS as error:
                if attempt == self._retrying.attempts:
                    await self._set_aside(item.record, item.message, Failure.of(error, attempt, first_failed_at))
                    return
                await self._retrying.pause(attempt)
                continue
            _log_received(results)
            return

    async def _set_aside(
        self, record: ConsumerRecord[bytes, bytes], message: InboundMessage | None, failure: Failure
    ) -> None:
        letter_id = await set_aside(self._pool, ROUTER, record, failure)
        log_set_aside(ROUTER, letter_id, record, failure, message_id=message.channel_message_id if message else None)


def decoded(record: ConsumerRecord[bytes, bytes]) -> InboundMessage:
    """The inbound message a record carries, or UndecodableRecord saying why it is none."""
    try:
        data: Any = json.loads(record.value or b"")
        return InboundMessage.from_dict(data)
    except (ValueError, TypeError, KeyError, RecursionError, DomainError) as error:
        msg = f"not an inbound message: {type(error).__name__}: {error}"
        raise UndecodableRecord(msg) from None


def _log_received(results: list[ReceivedMessage]) -> None:
    # One line per batch: a line per message cost 25 us of the router's CPU each, a batch's line 0.3 us a
    # message. The lists, index for index, still follow each message to its conversation, lead and manager.
    if not results:
        return
    log.info(
        "inbound_stored",
        records=len(results),
        outcomes=dict(Counter(str(result.outcome) for result in results)),
        message_ids=[result.channel_message_id for result in results],
        conversation_ids=[_text(result.conversation_id) for result in results],
        lead_ids=[_text(result.lead_id) for result in results],
        manager_ids=[_text(result.assigned_to) for result in results],
        contact_ids=[_text(result.contact_id) for result in results],
    )


def _text(value: UUID | None) -> str | None:
    return str(value) if value is not None else None
