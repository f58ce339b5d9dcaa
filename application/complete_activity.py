"""Complete an activity with its result: what came of the call, the meeting, the task."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownActivity
from application.event_store import EventStore
from application.sales_records import edit
from domain.activity import Activity


def complete_activity(
    store: EventStore, activity_id: UUID, result: str, by: UUID, expected_version: int | None = None
) -> int:
    """Mark the activity done; its reminder no longer fires. Returns the activity's version."""
    at = store.clock()
    return edit(
        store,
        activity_id,
        Activity,
        expected_version,
        UnknownActivity,
        lambda activity, _: activity.complete(result, by, at),
    )
