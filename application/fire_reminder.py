"""Fire an activity's reminder when its time has come: once, whatever restarts or second routers.

The router finds the reminders due in its own deadlines (saved with the events that set them); this
checks the time again on the activity itself, so a reminder that was moved, done or already fired
(by another router) does not fire.
"""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.activity import Activity
from domain.timers import TimerKind


def due_reminders(store: EventStore, limit: int) -> list[UUID]:
    """Activities whose reminder is due now, the earliest first."""
    return store.deadlines.due(TimerKind.REMINDER, store.clock(), limit)


def fire_reminder(store: EventStore, activity_id: UUID) -> bool:
    """Record the activity's ``ReminderFired`` if its reminder is due and has not fired; True if it fired."""

    def command(work: UnitOfWork, _: Assigning) -> bool:
        activity = work.find(activity_id, Activity)
        return activity is not None and activity.fire_reminder(store.clock())

    return store.transact(command)
