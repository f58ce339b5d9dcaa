"""The event store's notification log, read straight from PostgreSQL in large batches.

This is the record: a replay reads it, not the domain-events topic, whose retention deletes old
records. Each stored event becomes the ``PublishedEvent`` the outbox relay would have published for
it, without loading an aggregate: the stored state is the event's attributes as JSON, with ids,
times and decimals tagged by the event store's transcoder.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Page:
    """A page of the log: the events wanted of it, the last notification id it held, and how many it held."""

    events: list[PublishedEvent]
    last: int
    read: int


async def batches(
    pool: asyncpg.Pool, after: int, up_to: int, size: int, wanted: Callable[[str], bool] | None = None
) -> AsyncIterator[Page]:
    """The log after ``after`` up to ``up_to``, ``size`` events a page; the next page is read while one is applied.

    Only events whose type is ``wanted`` are decoded (every one when it is None): the others change
    nothing, and their JSON is never read.
    """
    pending = asyncio.ensure_future(read_after(pool, after, size, up_to))
    try:
        while True:
            rows = await pending
            if not rows:
                return
            last = rows[-1]["notification_id"]
            pending = asyncio.ensure_future(read_after(pool, last, size, up_to))
            events = [published(row) for row in rows if wanted is None or wanted(row["topic"].rpartition(":")[2])]
            yield Page(events, last, len(rows))
    finally:
        if not pending.done():
            pending.cancel()


def published(row: asyncpg.Record) -> PublishedEvent:
    """A stored event as the domain-events topic carries it."""
    return stored_event(
        row["notification_id"], row["originator_id"], row["originator_version"], row["topic"], row["state"]
    )


def stored_event(
    notification_id: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> PublishedEvent:
    """A stored event, from its columns, as the domain-events topic carries it; no aggregate or event object is made."""
    state = _TAGS.sub(_untagged_text, state)
    try:
        # What the expression above could not untag (a tag in another form) the hook does, or refuses.
        hook = _untagged if b'"_type_"' in state else None
        attributes: dict[str, Any] = json.loads(state, object_hook=hook)
    except (ValueError, RecursionError) as error:
        msg = f"stored event {notification_id} is not the event store's JSON: {error}"
        raise UnreadableStoredEvent(msg) from None
    occurred_at = attributes.get("timestamp")
    if not isinstance(occurred_at, str):
        msg = f"stored event {notification_id} has no timestamp"
        raise UnreadableStoredEvent(msg)
    return PublishedEvent(
        notification_id=notification_id,
        type=topic.rpartition(":")[2],
        aggregate_id=originator_id if isinstance(originator_id, UUID) else UUID(originator_id),
        version=version,
        occurred_at=datetime.fromisoformat(occurred_at),
        data={k: v for k, v in attributes.items() if k not in _ENVELOPE},
    )


# A tag as the store's transcoder writes it, with a plain string inside: put in its place as a string.
_TAGS = re.compile(rb'\{"_type_":"(uuid_hex|datetime_iso|decimal_str)","_data_":"([0-9a-zA-Z:.+\-]*)"\}')


def _untagged_text(match: re.Match[bytes]) -> bytes:
    data = match.group(2)
    if match.group(1) == b"uuid_hex":
        if len(data) != 32:  # noqa: PLR2004 - a UUID's hex digits
            return match.group(0)
        return b'"%s-%s-%s-%s-%s"' % (data[:8], data[8:12], data[12:16], data[16:20], data[20:])
    return b'"%s"' % data


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
