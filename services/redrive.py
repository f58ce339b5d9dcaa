"""Re-driving dead letters once the cause is fixed.

A record of the inbound or outbound topic is published again to its topic, under its key and with
the letter's id in a header: its consumers are idempotent (receipts, reply ids), and should it fail
again, the new error goes on the same letter, which waits again. A projection's event is applied
directly to the live read models, with the letter marked in the same transaction; it is not
published again, since the projection's position has passed it and it would be skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from domain.published_event import PublishedEvent
from services.dead_letters import (
    OUTBOX_RELAY,
    PROJECTIONS,
    REDRIVE_HEADER,
    Failure,
    Letter,
    failed_again,
    letters,
    mark_redriven,
)
from services.projections.inbox_view import Changes
from services.projections.rows import Rows
from services.projections.schema import LIVE_SCHEMA
from services.projections.tracking import EVENT_ERRORS, apply, notify_changes

log = structlog.get_logger()

_REAPPLY_ERRORS: tuple[type[Exception], ...] = (*EVENT_ERRORS, RecursionError)


class NoSuchLetter(LookupError):
    """No letter has that id, or it was re-driven already."""


@dataclass(frozen=True)
class Redriven:
    """How re-driving one letter went."""

    letter_id: int
    consumer: str
    ok: bool
    detail: str


async def redrive(
    pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    by: str,
    *,
    letter_id: int | None = None,
    consumer: str | None = None,
) -> list[Redriven]:
    """Re-drive one waiting letter by id, or every waiting letter (of one consumer, if named)."""
    if letter_id is not None:
        found = await letters(pool, letter_id=letter_id, waiting_only=False)
        if not found:
            msg = f"no dead letter {letter_id}"
            raise NoSuchLetter(msg)
        if found[0].redriven_at is not None:
            msg = (
                f"dead letter {letter_id} was re-driven at {found[0].redriven_at.isoformat()} by {found[0].redriven_by}"
            )
            raise NoSuchLetter(msg)
    else:
        found = await letters(pool, consumer=consumer)
    outcomes = []
    for letter in found:
        if letter.consumer in {PROJECTIONS, OUTBOX_RELAY}:  # events: applied where they are read
            outcome = await _reapply(pool, letter, by)
        else:
            outcome = await _republish(pool, producer, letter, by)
        log.info(
            "dead_letter_redriven" if outcome.ok else "dead_letter_redrive_failed",
            letter_id=letter.id,
            consumer=letter.consumer,
            by=by,
            detail=outcome.detail,
        )
        outcomes.append(outcome)
    return outcomes


async def _republish(pool: asyncpg.Pool, producer: AIOKafkaProducer, letter: Letter, by: str) -> Redriven:
    async with pool.acquire() as conn, conn.transaction():
        # Marked first and committed after Kafka has the record: a consumer that fails on it again
        # waits on the letter's row lock and puts its error on top, so the letter waits again.
        await mark_redriven(conn, letter.id, by)
        metadata = await producer.send_and_wait(
            letter.topic, letter.value, key=letter.key, headers=[(REDRIVE_HEADER, str(letter.id).encode())]
        )
    where = f"{letter.topic} partition {metadata.partition} offset {metadata.offset}"
    return Redriven(letter.id, letter.consumer, ok=True, detail=f"published again to {where}")


async def _reapply(pool: asyncpg.Pool, letter: Letter, by: str) -> Redriven:
    try:
        event = PublishedEvent.from_dict(json.loads(letter.value or b""))
        changes = Changes()
        async with pool.acquire() as conn, conn.transaction():
            rows = Rows(LIVE_SCHEMA)
            rows.conn = conn
            await apply(rows, event, changes)
            await rows.write()
            await mark_redriven(conn, letter.id, by)
            await notify_changes(conn, changes)
    except _REAPPLY_ERRORS as error:
        failure = Failure.of(error)
        await failed_again(pool, letter.id, failure)
        return Redriven(letter.id, letter.consumer, ok=False, detail=f"{failure.error_type}: {failure.error}")
    return Redriven(letter.id, letter.consumer, ok=True, detail=f"applied to {LIVE_SCHEMA}")
