"""Schedule an activity (a call, meeting, task, e-mail or note) on a contact, company, lead or deal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from application.event_store import EventStore
from application.sales_records import manager_named, record_named
from application.unit_of_work import UnitOfWork
from domain.activity import Activity, ActivityKind, SubjectKind, subject_kind_of
from domain.errors import InvalidField


@dataclass(frozen=True)
class NewActivity:
    """An activity as the user enters it."""

    kind: ActivityKind | str
    subject_kind: SubjectKind | str
    subject_id: UUID
    title: str
    description: str = ""
    due_at: datetime | None = None
    remind_at: datetime | None = None  # None: no reminder
    responsible_id: UUID | None = None  # None: whoever schedules it
    call_back: bool = False  # a task to call the customer back
    activity_id: UUID | None = None  # given: scheduling it twice schedules it once


def schedule_activity(store: EventStore, activity: NewActivity, by: UUID) -> UUID:
    """Schedule the activity; its reminder, if any, fires at ``remind_at`` even across restarts. Returns its id."""
    activity_id = activity.activity_id or uuid4()
    at = store.clock()
    return store.transact(lambda work, _: schedule_in(work, activity, activity_id, by, at))


def schedule_in(work: UnitOfWork, activity: NewActivity, activity_id: UUID, by: UUID, at: datetime) -> UUID:
    """Schedule the activity inside ``work`` (a missed call's call-back task, with the call's other records)."""
    existing = work.get(activity_id)
    if isinstance(existing, Activity):
        return activity_id
    if existing is not None:
        raise InvalidField("activity_id", f"{activity_id} is the id of another record")
    kind = subject_kind_of(activity.subject_kind)
    scheduled = Activity.schedule(
        activity_id,
        activity.kind,
        kind,
        record_named(work, kind.value, activity.subject_id, "subject_id") or activity.subject_id,
        activity.title,
        by,
        at,
        responsible_id=manager_named(work, activity.responsible_id or by, "responsible_id"),
        description=activity.description,
        due_at=activity.due_at,
        remind_at=activity.remind_at,
        call_back=activity.call_back,
    )
    work.add(scheduled)
    return scheduled.id
