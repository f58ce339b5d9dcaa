"""The event store's notification log, read straight from PostgreSQL in large batches.

This is the record: a replay reads it, not the domain-events topic, whose retention deletes old
records. Each stored event becomes the ``PublishedEvent`` the outbox relay would have published for
it, without loading an aggregate: the stored state is the event's attributes as JSON, with ids,
times and decimals tagged by the event store's transcoder.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from domain.published_event import PublishedEvent
from services.tables import Connection

# The event store's table: the library names it after the application ("switchboard") and "_events".
EVENTS_TABLE = "switchboard_events"


# orjson reads an integer past 64 bits as a float. A state holding a float and nineteen digits in a
# row (such an integer, or only text holding them) is read again by the standard library, exactly, as
# it was before. The digits are looked for with each made a "0": a regular expression, trying each
# place of the state in turn, took more time than reading the JSON, and most states hold no float.
_LONG_DIGITS = b"0" * 19
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")

# The ids last written out with their dashes: most events name ids named just before (their
# conversation, deal, manager), and one text kept serves them all.
_IDS: dict[str, str] = {}
_IDS_KEPT = 4096


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
    """A page of the log: the events wanted of it, the last notification id it covers, and how many it covers."""

    events: list[PublishedEvent]
    last: int
    read: int

    @property
    def first(self) -> int:
        """The notification id just before the page: it covers the ids after it up to ``last``."""
        return self.last - self.read


async def batches(  # noqa: PLR0913 - the range, the page size, and what to leave out
    pool: asyncpg.Pool,
    after: int,
    up_to: int,
    size: int,
    wanted: Callable[[str], bool] | None = None,
    left_out: Sequence[tuple[list[str], str]] = (),
) -> AsyncIterator[Page]:
    """The log after ``after`` up to ``up_to``, ``size`` events a page; the next page is read while one is applied.

    Only events whose type is ``wanted`` are decoded (every one when it is None): the others change
    nothing. Their topics are left out of the query once seen, so their rows are not even sent.
    ``left_out`` is events the caller writes otherwise: for each writer, its topics and an SQL condition on the row.
    """
    types: dict[str, str | None] = {}  # each topic's event type, None when it is not wanted
    unwanted: list[str] = []

    def read(start: int) -> asyncio.Future[list[asyncpg.Record]]:
        return asyncio.ensure_future(_read_wanted(pool, start, size, up_to, unwanted, left_out))

    pending = read(after)
    try:
        while True:
            rows = await pending
            if not rows:
                if after < up_to:  # the rest of the range holds only unwanted events
                    yield Page([], up_to, up_to - after)
                return
            # A short page is the rest of the range: what it left out was unwanted.
            last = rows[-1][0] if len(rows) == size else up_to
            events = []
            for notification_id, originator_id, version, topic, state in rows:
                if topic in types:
                    event_type = types[topic]
                else:
                    event_type = topic.rpartition(":")[2]
                    if wanted is not None and not wanted(event_type):
                        event_type = None
                        unwanted.append(topic)
                    types[topic] = event_type
                if event_type is not None:
                    events.append(_decoded(notification_id, originator_id, version, event_type, state))
            covered = last - after
            after = last
            pending = read(last) if last < up_to else asyncio.ensure_future(_nothing())
            yield Page(events, last, covered)
    finally:
        if not pending.done():
            pending.cancel()


async def _read_wanted(  # noqa: PLR0913
    pool: asyncpg.Pool,
    after: int,
    limit: int,
    up_to: int,
    unwanted: list[str],
    left_out: Sequence[tuple[list[str], str]],
) -> list[asyncpg.Record]:
    written_otherwise = "".join(
        f" AND NOT (topic = ANY(${n}::text[]) AND {condition})" for n, (_, condition) in enumerate(left_out, 5)
    )
    return list(
        await pool.fetch(
            f"SELECT notification_id, originator_id, originator_version, topic, state FROM {EVENTS_TABLE}"  # noqa: S608
            " WHERE notification_id > $1 AND notification_id <= $2 AND topic <> ALL($4::text[])"
            f"{written_otherwise} ORDER BY notification_id LIMIT $3",
            after,
            up_to,
            limit,
            unwanted,
            *(topics for topics, _ in left_out),
        )
    )


async def _nothing() -> list[asyncpg.Record]:
    return []


def published(row: asyncpg.Record) -> PublishedEvent:
    """A stored event as the domain-events topic carries it."""
    return stored_event(
        row["notification_id"], row["originator_id"], row["originator_version"], row["topic"], row["state"]
    )


def stored_event(
    notification_id: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> PublishedEvent:
    """A stored event, from its columns, as the domain-events topic carries it; no aggregate or event object is made."""
    return _decoded(notification_id, originator_id, version, topic.rpartition(":")[2], state)


def _decoded(
    notification_id: int, originator_id: UUID | str, version: int, event_type: str, state: bytes
) -> PublishedEvent:
    try:
        attributes = orjson.loads(state)
    except orjson.JSONDecodeError:
        attributes = _loads(state, notification_id)
        if type(attributes) is dict:
            _untag_all(attributes)
    else:
        if type(attributes) is dict and _untag_all(attributes) and _LONG_DIGITS in state.translate(_DIGITS_AS_ZEROS):
            attributes = _loads(state, notification_id)
            if type(attributes) is dict:
                _untag_all(attributes)
    if type(attributes) is not dict:
        msg = f"stored event {notification_id} is not a JSON object"
        raise UnreadableStoredEvent(msg)
    occurred_at = attributes.pop("timestamp", None)
    if type(occurred_at) is not str:
        msg = f"stored event {notification_id} has no timestamp"
        raise UnreadableStoredEvent(msg)
    attributes.pop("originator_topic", None)
    return PublishedEvent.stored(
        notification_id,
        event_type,
        originator_id if isinstance(originator_id, UUID) else UUID(originator_id),
        version,
        datetime.fromisoformat(occurred_at),
        attributes,
    )


def _loads(state: bytes, notification_id: int) -> Any:  # noqa: ANN401 - any JSON value
    # What orjson refuses (NaN and Infinity, which the library writes for such floats) and long integers,
    # which orjson would read as floats, the standard library reads exactly, or refuses too.
    try:
        return json.loads(state)
    except (ValueError, RecursionError) as error:
        msg = f"stored event {notification_id} is not the event store's JSON: {error}"
        raise UnreadableStoredEvent(msg) from None


def _untag_all(values: dict[str, Any] | list[Any]) -> bool:
    """Put each transcoder-tagged value of ``values``, at any depth, in its place as the relay publishes it.

    Whether ``values`` holds a float anywhere: one found tells the caller to look for a long integer.
    """
    floats = False
    for place, value in values.items() if type(values) is dict else enumerate(values):
        kind = type(value)
        if kind is dict:
            # A tag is two texts, its kind and its data; whatever else holds "_type_" is the event's own.
            if "_type_" in value and len(value) == 2:  # noqa: PLR2004 - type and data
                tag, data = value["_type_"], value.get("_data_")
                if type(data) is str and type(tag) is str:
                    values[place] = _untagged(tag, data)  # type: ignore[index]
                    continue
            floats = _untag_all(value) or floats
        elif kind is list:
            floats = _untag_all(value) or floats
        elif kind is float:
            floats = True
    return floats


def _untagged(kind: str, data: str) -> str:
    """A transcoder-tagged value as the relay publishes it: ids and decimals as text, times in ISO format."""
    if kind == "uuid_hex":
        dashed = _IDS.get(data)
        if dashed is None:
            if len(_IDS) >= _IDS_KEPT:
                _IDS.clear()
            dashed = _IDS[data] = f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
        return dashed
    if kind in ("datetime_iso", "decimal_str"):
        return data
    msg = f"a value tagged {kind!r}, which the event store does not write"
    raise UnreadableStoredEvent(msg)
