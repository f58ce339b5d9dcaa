"""Applying domain-event records to a schema, with the position in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from aiokafka.structs import ConsumerRecord

from services.projections.inbox_view import Changes, apply
from services.projections.schema import checked

log = structlog.get_logger()

PROJECTION = "inbox"
NOTIFY_CHANNEL = "switchboard_read_models"
_NOTIFY_LIMIT = 7000  # bytes; Postgres caps a payload at 8000


@dataclass(frozen=True)
class Position:
    """How far a schema's read models have applied the log."""

    notification_id: int
    kafka_offset: int


async def load_position(conn: asyncpg.Connection | asyncpg.Pool, schema: str) -> Position:
    """The stored position, or the start of the log."""
    row = await conn.fetchrow(
        f"SELECT notification_id, kafka_offset FROM {checked(schema)}.position WHERE projection = $1",  # noqa: S608
        PROJECTION,
    )
    if row is None:
        return Position(notification_id=0, kafka_offset=-1)
    return Position(notification_id=row["notification_id"], kafka_offset=row["kafka_offset"])


async def apply_records(
    pool: asyncpg.Pool,
    schema: str,
    records: list[ConsumerRecord[bytes, bytes]],
    position: Position,
    *,
    notify: bool,
) -> Position:
    """Apply records after ``position`` in one transaction and store the new position.

    Records at or before the position (republished by the outbox relay after a
    crash) are skipped, so each event has its effect once.
    """
    changes = Changes()
    current = position
    async with pool.acquire() as conn, conn.transaction():
        for record in records:
            current = Position(current.notification_id, record.offset)
            try:
                event: dict[str, Any] = json.loads(record.value or b"")
                notification_id = int(event["notification_id"])
            except (ValueError, KeyError, TypeError) as error:
                log.warning("domain_event_unreadable", offset=record.offset, reason=str(error))
                continue
            if notification_id <= current.notification_id:
                continue
            await apply(conn, schema, event, changes)
            current = Position(notification_id, record.offset)
        await conn.execute(
            f"INSERT INTO {checked(schema)}.position (projection, notification_id, kafka_offset)"  # noqa: S608
            " VALUES ($1, $2, $3) ON CONFLICT (projection) DO UPDATE"
            " SET notification_id = EXCLUDED.notification_id, kafka_offset = EXCLUDED.kafka_offset",
            PROJECTION,
            current.notification_id,
            current.kafka_offset,
        )
        if notify:
            for payload in _payloads(changes):
                await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, payload)
    return current


def _payloads(changes: Changes) -> list[str]:
    """Split what changed into NOTIFY payloads under Postgres's size limit."""
    items = [("c", c) for c in sorted(changes.conversations)] + [("m", m) for m in changes.messages]
    payloads: list[str] = []
    chunk: dict[str, list[Any]] = {"c": [], "m": []}
    size = 0
    for kind, item in items:
        if size > _NOTIFY_LIMIT:
            payloads.append(json.dumps(chunk))
            chunk, size = {"c": [], "m": []}, 0
        chunk[kind].append(item)
        size += len(str(item)) + 4
    if size:
        payloads.append(json.dumps(chunk))
    return payloads
