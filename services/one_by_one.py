"""Handling a consumer's records one by one: one that fails on its own is tried again, then set aside.

Errors of a record itself (``RECORD_ERRORS``) are retried with the consumer's pause and then kept as
a dead letter, so what comes after it flows on. Any other error (the database is away) is raised:
the subscriber reads the batch again, and handlers are idempotent, so nothing happens twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import psycopg
from aiokafka.structs import ConsumerRecord
from eventsourcing.persistence import DataError
from faststream.message import StreamMessage

from domain.errors import DomainError
from services.dead_letters import Failure, Retrying, log_set_aside, set_aside

# What a record can make go wrong by itself: a rule of the domain, data the store refuses, or a
# shape the code cannot read.
RECORD_ERRORS: tuple[type[Exception], ...] = (
    DomainError,
    DataError,
    psycopg.DataError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    RecursionError,
)

Handler = Callable[[ConsumerRecord[bytes, bytes]], Awaitable[None]]


async def handle_each(
    records: list[ConsumerRecord[bytes, bytes]], handle: Handler, consumer: str, pool: asyncpg.Pool, retrying: Retrying
) -> None:
    """Handle every record in order; returns when each is handled or set aside."""
    for record in records:
        first_failed_at = datetime.now(tz=UTC)
        for attempt in range(1, retrying.attempts + 1):
            try:
                await handle(record)
            except RECORD_ERRORS as error:
                if attempt == retrying.attempts:
                    failure = Failure.of(error, attempt, first_failed_at)
                    letter_id = await set_aside(pool, consumer, record, failure)
                    log_set_aside(consumer, letter_id, record, failure)
                    break
                await retrying.pause(attempt)
                continue
            break


def raw_records(message: StreamMessage[Any]) -> list[ConsumerRecord[bytes, bytes]]:
    """A batch's records as read: each handler decodes its own, so one bad body cannot stop the batch."""
    return list(message.raw_message)
