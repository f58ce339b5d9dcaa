"""The activities read model, and the timelines of activities and of mail copied to the CRM.

An activity is on its subject's timeline; one on a deal is on the timelines of the deal's contact,
company and lead as well, read from the deal's when they are read (``timeline_deals``). Mail copied to
the CRM is on its contact's. Messages of a conversation are on timelines too, read from the messages
themselves (``timeline_messages``).
"""

from __future__ import annotations

import json

from domain.published_event import PublishedEvent
from services.projections.event_ids import uuid_of
from services.projections.inbox_view import Changes
from services.projections.rows import Rows
from services.projections.sales_rows import Handler, clean, moment, on_timelines, shortened


async def _scheduled(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    subject_id = uuid_of(d["subject_id"])
    activity = rows.new_row(
        "scheduled_activities",
        id=e.aggregate_id,
        kind=d["kind"],
        call_back=d["call_back"],
        title=clean(d["title"]),
        description=clean(d["description"]),
        subject_kind=d["subject_kind"],
        subject_id=subject_id,
        responsible_id=uuid_of(d["responsible_id"]),
        due_at=moment(d.get("due_at")),
        remind_at=moment(d.get("remind_at")),
        scheduled_at=moment(d["at"]),
        scheduled_by=uuid_of(d["by"]),
        version=e.version,
    )
    await rows.insert("scheduled_activities", activity)
    summary = {
        "activity_id": str(e.aggregate_id),
        **{k: d.get(k) for k in ("kind", "call_back", "title", "due_at", "responsible_id", "by")},
    }
    await on_timelines(rows, e, [(d["subject_kind"], subject_id)], summary, moment(d["at"]))
    ch.activities.add(e.aggregate_id)


async def _rescheduled(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    remind_at = moment(d.get("remind_at"))
    current = await rows.get("scheduled_activities", e.aggregate_id)
    # A reminder moved to another time is to fire again (as the activity itself says).
    fired = None if current is None or current["remind_at"] != remind_at else current["reminder_fired_at"]
    await _changed(
        rows,
        e,
        ch,
        {"due_at": moment(d.get("due_at")), "remind_at": remind_at, "reminder_fired_at": fired},
        timeline={
            "due_at": d.get("due_at"),
            "remind_at": d.get("remind_at"),
            "previous_due_at": d.get("previous_due_at"),
        },
    )


async def _completed(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    result = clean(d["result"])
    done = {"done": True, "done_at": moment(d["at"]), "result": result}
    await _changed(rows, e, ch, done, timeline={"result": result})


async def _call_noted(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    keys = ("line", "extension", "duration_seconds", "disposition", "recording_url", "recording_seconds")
    call = clean({k: d.get(k) for k in keys})
    await _changed(rows, e, ch, {"call": json.dumps(call)}, timeline={"call": call})


async def _reminder_fired(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    # A reminder is told to its manager, not recorded on anyone's timeline.
    if await _changed(rows, e, ch, {"reminder_fired_at": moment(e.data["at"])}):
        ch.reminders.append(e.aggregate_id)


async def _changed(
    rows: Rows, e: PublishedEvent, ch: Changes, sets: dict[str, object], *, timeline: dict[str, object] | None = None
) -> bool:
    """Update the activity's row with ``sets``; False if no such activity."""
    row = await rows.update("scheduled_activities", e.aggregate_id, version=e.version, **sets)
    if row is None:
        return False
    ch.activities.add(e.aggregate_id)
    if timeline is not None:
        d = e.data
        summary = {"activity_id": str(e.aggregate_id), "kind": row["kind"], "title": row["title"], **timeline}
        summary["by"] = d.get("by")
        await on_timelines(rows, e, [(row["subject_kind"], row["subject_id"])], summary, moment(d.get("at")))
    return True


async def _mail_copied(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    summary = {
        "kind": d["kind"],
        "subject": d["subject"],
        "text": shortened(d["text"]),
        "manager_id": d.get("manager_id"),
        "forwarded_by": d.get("forwarded_by", ""),
    }
    await on_timelines(rows, e, [("contact", e.aggregate_id)], summary, moment(d["occurred_at"]))


HANDLERS: dict[str, Handler] = {
    "Activity.Scheduled": _scheduled,
    "Activity.Rescheduled": _rescheduled,
    "Activity.Completed": _completed,
    "Activity.ReminderFired": _reminder_fired,
    "Activity.CallNoted": _call_noted,
    "Contact.ActivityLogged": _mail_copied,
}
