"""Cutting a report's period into whole days, read from counts kept per day, and the part-days around them.

Days are UTC days, as the ``from`` and ``to`` filters make them. A count kept per day cannot tell the
part of a day a period starts or ends in, nor, for what depends on the time now, today: those spans
are read from the rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

DAY = timedelta(days=1)
Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Split:
    """Whole days ``[first, end)`` (None: unbounded; ``whole_days`` False: none), and ``spans`` to read row by row.

    When the split was asked to keep today apart, today is among the spans and not among the days.
    """

    first: date | None
    end: date | None
    whole_days: bool
    spans: tuple[Span, ...]
    today: date | None = None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def split(since: datetime | None, until: datetime | None, now: datetime | None = None) -> Split:
    """Cut ``[since, until)`` into whole days and the rest; with ``now``, today's day goes to the rest."""
    first = None if since is None else (since.astimezone(UTC) + DAY - timedelta(microseconds=1)).date()
    end = None if until is None else until.astimezone(UTC).date()
    if since is not None and until is not None and first is not None and end is not None and first >= end:
        return Split(None, None, whole_days=False, spans=((since, until),))
    spans = []
    if since is not None and first is not None and since < _midnight(first):
        spans.append((since, _midnight(first)))
    if until is not None and end is not None and _midnight(end) < until:
        spans.append((_midnight(end), until))
    today = None if now is None else now.astimezone(UTC).date()
    if today is not None and (first is None or first <= today) and (end is None or today < end):
        spans.append((_midnight(today), _midnight(today + DAY)))
    return Split(first, end, whole_days=True, spans=tuple(spans), today=today)
