"""Move an open activity's due time and reminder; a reminder at a new time fires again, once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.errors import UnknownActivity
from application.event_store import EventStore
from application.sales_records import edit
from domain.activity import Activity


def reschedule_activity(  # noqa: PLR0913 - which activity, its new times, who, and the version seen
    store: EventStore,
    activity_id: UUID,
    due_at: datetime | None,
    remind_at: datetime | None,
    by: UUID,
    expected_version: int | None = None,
) -> int:
    """Set the due time and the reminder (None: none); returns the activity's version."""
    return edit(
        store,
        activity_id,
        Activity,
        expected_version,
        UnknownActivity,
        lambda activity, _: activity.reschedule(due_at, remind_at, by),
    )
