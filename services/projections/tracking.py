"""Applying domain-event records to a schema, with the position in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog
from aiokafka.structs import ConsumerRecord

from domain.live_update import ReadModelsChanged
from domain.published_event import InvalidPublishedEvent, PublishedEvent
from services.dead_letters import Failure, Retrying, set_aside
from services.projections.inbox_view import Changes
from services.projections.read_models import READ_MODELS, apply_to
from services.projections.rows import Rows
from services.projections.schema import checked
from services.tables import Connection

log = structlog.get_logger()

PROJECTION = "inbox"
NOTIFY_CHANNEL = "switchboard_read_models"
# Taken shared by every batch, and exclusively by a replay while it puts a new version in place and
# moves the position past what it applied: a batch then starts from the stored position, never its own.
HANDOVER_LOCK = 0x5B0A_0003

# Errors of an event itself: data the read models cannot hold, or a shape the view cannot read.
# Anything else (a lost connection, a server shutting down) fails the whole batch, which is retried.
EVENT_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
)


class UnreadableEvent(ValueError):
    """A record on the domain-events topic that is not an event: not JSON, or without what every event has."""


@dataclass(frozen=True)
class Position:
    """How far a schema's read models have applied the log."""

    notification_id: int
    kafka_offset: int


async def load_position(conn: Connection | asyncpg.Pool, schema: str) -> Position:
    """The stored position, or the start of the log."""
    row = await conn.fetchrow(
        f"SELECT notification_id, kafka_offset FROM {checked(schema)}.position WHERE projection = $1",  # noqa: S608
        PROJECTION,
    )
    if row is None:
        return Position(notification_id=0, kafka_offset=-1)
    return Position(notification_id=row["notification_id"], kafka_offset=row["kafka_offset"])


async def apply_records(  # noqa: PLR0913 - where to apply, what, and what to do with a failure
    pool: asyncpg.Pool,
    schema: str,
    records: list[ConsumerRecord[bytes, bytes]],
    position: Position,
    *,
    notify: bool,
    consumer: str | None = None,
    retrying: Retrying = Retrying(),  # noqa: B008 - frozen, shared safely
) -> Position:
    """Apply records after ``position`` in one transaction and store the new position.

    Records at or before the position (republished by the outbox relay after a
    crash) are skipped, so each event has its effect once. An event that fails
    on its own is tried ``retrying.attempts`` times, then set aside as a dead
    letter of ``consumer`` in the same transaction as the position moving past
    it (with no consumer it only logs what it skips).
    """
    try:
        return await _apply_batch(pool, schema, records, position, notify, consumer, retrying, careful=False)
    except EVENT_ERRORS:
        # An event of the batch failed on its own: the batch was rolled back whole, and is applied again
        # with a savepoint per event, so that only the failing one is set aside. The usual batch pays for
        # no savepoints at all.
        return await _apply_batch(pool, schema, records, position, notify, consumer, retrying, careful=True)


async def _apply_batch(  # noqa: PLR0913
    pool: asyncpg.Pool,
    schema: str,
    records: list[ConsumerRecord[bytes, bytes]],
    position: Position,
    notify: bool,
    consumer: str | None,
    retrying: Retrying,
    *,
    careful: bool,
) -> Position:
    changes = Changes()
    current = position
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", HANDOVER_LOCK)
        stored = await load_position(conn, schema)
        if stored.notification_id > current.notification_id:
            current = Position(stored.notification_id, current.kafka_offset)
        rows = Rows(schema)
        rows.conn = conn
        for record in records:
            current = Position(current.notification_id, record.offset)
            try:
                event = _event(record)
            except UnreadableEvent as error:
                await _set_aside(conn, schema, consumer, record, None, Failure.of(error))
                continue
            notification_id = event.notification_id
            if notification_id <= current.notification_id:
                continue
            if event.withheld:
                # Too large for the log: the relay kept it as a letter of its own, re-driven from there.
                log.warning("event_withheld", notification_id=notification_id, type=event.type)
                current = Position(notification_id, record.offset)
                continue
            if careful:
                failure = await _apply_tried(conn, rows, event, changes, retrying)
                if failure is not None:
                    await _set_aside(conn, schema, consumer, record, event, failure)
            else:
                await apply(rows, event, changes)
            current = Position(notification_id, record.offset)
        await rows.write()
        await conn.execute(
            f"INSERT INTO {checked(schema)}.position (projection, notification_id, kafka_offset)"  # noqa: S608
            " VALUES ($1, $2, $3) ON CONFLICT (projection) DO UPDATE"
            " SET notification_id = EXCLUDED.notification_id, kafka_offset = EXCLUDED.kafka_offset",
            PROJECTION,
            current.notification_id,
            current.kafka_offset,
        )
        if notify:
            await notify_changes(conn, changes)
    return current


async def notify_changes(conn: Connection, changes: Changes) -> None:
    """Tell the gateways what changed, when the transaction commits."""
    changed = ReadModelsChanged(
        conversation_ids=tuple(changes.conversations),
        message_notification_ids=tuple(changes.messages),
        deal_ids=tuple(changes.deals),
        activity_ids=tuple(changes.activities),
        reminder_activity_ids=tuple(changes.reminders),
        contact_ids=tuple(changes.contacts),
        company_ids=tuple(changes.companies),
        lead_ids=tuple(changes.leads),
        converted_lead_ids=tuple(changes.conversions),
    )
    for payload in changed.payloads():
        await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, payload)


async def apply(rows: Rows, event: PublishedEvent, changes: Changes) -> None:
    """Apply one event to every read model, in the order of ``READ_MODELS``, in memory."""
    await apply_to(rows, READ_MODELS, event, changes)


def _event(record: ConsumerRecord[bytes, bytes]) -> PublishedEvent:
    try:
        return PublishedEvent.from_dict(json.loads(record.value or b""))
    except InvalidPublishedEvent as error:
        msg = f"not a domain event: {error}"
        raise UnreadableEvent(msg) from None
    except (ValueError, RecursionError) as error:
        msg = f"not a domain event: not JSON: {type(error).__name__}: {error}"
        raise UnreadableEvent(msg) from None


async def _apply_tried(
    conn: Connection, rows: Rows, event: PublishedEvent, changes: Changes, retrying: Retrying
) -> Failure | None:
    """Apply and write one event under a savepoint, trying again after a pause; the failure if every try failed."""
    first_failed_at: datetime | None = None
    for attempt in range(1, retrying.attempts + 1):
        applied = Changes()
        mark = rows.mark()
        try:
            async with conn.transaction():  # a savepoint: a failed event undoes only itself
                await apply(rows, event, applied)
                await rows.write()
        except EVENT_ERRORS as error:
            rows.undo(mark)
            first_failed_at = first_failed_at or datetime.now(tz=UTC)
            if attempt == retrying.attempts:
                return Failure.of(error, attempt, first_failed_at)
            await retrying.pause(attempt)
            continue
        rows.written()
        changes.absorb(applied)
        return None
    raise AssertionError  # pragma: no cover - the loop returns


async def _set_aside(  # noqa: PLR0913
    conn: Connection,
    schema: str,
    consumer: str | None,
    record: ConsumerRecord[bytes, bytes],
    event: PublishedEvent | None,
    failure: Failure,
) -> None:
    letter_id = await set_aside(conn, consumer, record, failure) if consumer else None
    log.warning(
        "event_set_aside",
        schema=schema,
        letter_id=letter_id,
        offset=record.offset,
        notification_id=event.notification_id if event else None,
        event_type=event.type if event else None,
        aggregate_id=str(event.aggregate_id) if event else None,
        error_type=failure.error_type,
        error=failure.error,
        attempts=failure.attempts,
    )
