"""The event store's notification log, read straight from PostgreSQL in large batches.

This is the record: a replay reads it, not the domain-events topic, whose retention deletes old
records. Each stored event becomes the ``PublishedEvent`` the outbox relay would have published for
it, without loading an aggregate: the stored state is the event's attributes as JSON, with ids,
times and decimals tagged by the event store's transcoder.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.published_event import PublishedEvent
from services.tables import Connection

# The event store's table: the library names it after the application ("switchboard") and "_events".
EVENTS_TABLE = "switchboard_events"
# What the store keeps apart from an event's own data (its aggregate's id and version are columns).
_ENVELOPE = frozenset(("timestamp", "originator_topic"))


class UnreadableStoredEvent(ValueError):
    """A stored event whose state is not the JSON the event store writes."""


async def head(conn: Connection | asyncpg.Pool) -> int:
    """The last notification id of the log (0 when it is empty or not created yet)."""
    if await conn.fetchval("SELECT to_regclass($1)", EVENTS_TABLE) is None:
        return 0
    return int(await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}") or 0)  # noqa: S608 - fixed name


async def read_after(
    conn: Connection | asyncpg.Pool, after: int, limit: int, up_to: int | None = None
) -> list[asyncpg.Record]:
    """Up to ``limit`` stored events after notification ``after`` (and at most ``up_to``), in order.

    The store numbers events under a table lock, so ids commit in order: nothing can later appear
    below an id already read.
    """
    return list(
        await conn.fetch(
            f"SELECT notification_id, originator_id, originator_version, topic, state FROM {EVENTS_TABLE}"  # noqa: S608
            " WHERE notification_id > $1 AND notification_id <= $2 ORDER BY notification_id LIMIT $3",
            after,
            up_to if up_to is not None else 2**63 - 1,
            limit,
        )
    )


async def batches(pool: asyncpg.Pool, after: int, up_to: int, size: int) -> AsyncIterator[list[PublishedEvent]]:
    """The events after ``after`` up to ``up_to``, ``size`` at a time; the next batch is read while one is applied."""
    pending = asyncio.ensure_future(read_after(pool, after, size, up_to))
    try:
        while True:
            rows = await pending
            if not rows:
                return
            last = rows[-1]["notification_id"]
            pending = asyncio.ensure_future(read_after(pool, last, size, up_to))
            yield [published(row) for row in rows]
    finally:
        if not pending.done():
            pending.cancel()


def published(row: asyncpg.Record) -> PublishedEvent:
    """A stored event as the domain-events topic carries it."""
    state = row["state"]
    try:
        attributes: dict[str, Any] = json.loads(state, object_hook=_untagged)
    except (ValueError, RecursionError) as error:
        msg = f"stored event {row['notification_id']} is not the event store's JSON: {error}"
        raise UnreadableStoredEvent(msg) from None
    topic: str = row["topic"]
    occurred_at = attributes.get("timestamp")
    if not isinstance(occurred_at, str):
        msg = f"stored event {row['notification_id']} has no timestamp"
        raise UnreadableStoredEvent(msg)
    return PublishedEvent(
        notification_id=row["notification_id"],
        type=topic.rpartition(":")[2],
        aggregate_id=row["originator_id"] if isinstance(row["originator_id"], UUID) else UUID(row["originator_id"]),
        version=row["originator_version"],
        occurred_at=datetime.fromisoformat(occurred_at),
        data={k: v for k, v in attributes.items() if k not in _ENVELOPE},
    )


def _untagged(value: dict[str, Any]) -> Any:  # noqa: ANN401 - any JSON value
    """A transcoder-tagged value as the relay publishes it: ids and decimals as text, times in ISO format."""
    kind = value.get("_type_")
    if kind is None or len(value) != 2:  # noqa: PLR2004 - a tag has its type and its data
        return value
    data = value["_data_"]
    if kind == "uuid_hex":
        return f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
    if kind in ("datetime_iso", "decimal_str"):
        return data
    msg = f"a value tagged {kind!r}, which the event store does not write"
    raise UnreadableStoredEvent(msg)
