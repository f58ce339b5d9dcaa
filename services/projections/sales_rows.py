"""What the sales read models share: reading event fields, and placing an event on timelines."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

from domain.published_event import PublishedEvent
from services.projections.event_ids import uuid_of
from services.projections.inbox_view import Changes
from services.projections.rows import Rows

Handler = Callable[[Rows, PublishedEvent, Changes], Awaitable[None]]
SUMMARY_TEXT = 500  # characters of a message or a mail a timeline entry shows; the whole is a click away
# The links every deal event carries: where it is placed, not what it says.
LINKS = ("contact_id", "company_id", "lead_id")


def uuid_or_none(value: object) -> UUID | None:
    """An id as an event carries it (text), or None."""
    return uuid_of(str(value)) if value else None


def moment(value: object) -> datetime | None:
    """A time as an event carries it (ISO text), or None."""
    return datetime.fromisoformat(str(value)) if value else None


def day(value: object) -> date | None:
    """A day as an event carries it ("2026-03-01"), or None."""
    return date.fromisoformat(str(value)) if value else None


def money(value: object) -> Decimal:
    """An amount as an event carries it: decimal text, never a float."""
    return Decimal(str(value))


def clean(value: Any) -> Any:  # noqa: ANN401 - any JSON value
    """``value`` with every text made storable: PostgreSQL holds no NUL, and UTF-8 no lone surrogate.

    The domain refuses both on the way in; an event from before that rule is shown, not set aside.
    """
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:  # the usual text, with nothing to clean: checked quickly
            return value
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    if isinstance(value, Mapping):
        return {clean(str(k)): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def shortened(text: object) -> str:
    """A message's text as a timeline shows it: its first ``SUMMARY_TEXT`` characters."""
    whole: str = clean(str(text or ""))
    return whole if len(whole) <= SUMMARY_TEXT else whole[: SUMMARY_TEXT - 1] + "…"


async def on_timelines(
    rows: Rows,
    event: PublishedEvent,
    places: Iterable[tuple[str, UUID | None]],
    summary: Mapping[str, Any],
    at: datetime | None = None,
) -> None:
    """Put ``event`` on the timeline of each record in ``places`` (kind, id; None ids are skipped).

    A record named twice gets one entry: the entry's key is the record and the event's notification id.
    """
    text = _json(summary)
    notification_id, event_type, when = event.notification_id, event.type, at or event.occurred_at
    add = rows.insert_fresh
    for kind, record in places:
        if record is not None:
            entry = {
                "subject_kind": kind,
                "subject_id": record,
                "notification_id": notification_id,
                "at": when,
                "kind": event_type,
                "summary": text,
            }
            add("timeline", entry)


def _json(summary: Mapping[str, Any]) -> str:
    try:
        text = orjson.dumps(summary).decode()
    except orjson.JSONEncodeError:  # a lone surrogate (or a key not text): cleaned, then written again
        text = ""
    # A NUL is written as an escape, as every control character is: looked for only where there is one
    # (``in`` on bytes took longer than writing the JSON).
    if not text or ("\\" in text and "\\u0000" in text):
        text = orjson.dumps(clean(summary)).decode()
    return text


def told(data: Mapping[str, Any], *leave_out: str) -> dict[str, Any]:
    """What an event says, as a timeline entry summarises it: its data without the links and ``leave_out``."""
    return {k: v for k, v in data.items() if k not in LINKS and k not in leave_out}
