"""The activities read model, and the timelines of what customers and managers said.

An activity is on its subject's timeline; one on a deal is on the timelines of the deal's contact,
company and lead as well (as the deal stands when the activity is recorded). Messages of a
conversation are on its contact's and its lead's timelines; mail copied to the CRM on its contact's.
"""

from __future__ import annotations

from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.conversions_view import converted_places
from services.projections.inbox_view import Changes
from services.projections.sales_rows import Handler, clean, moment, on_timelines, shortened
from services.tables import Connection


async def _places(conn: Connection, s: str, subject_kind: str, subject_id: UUID) -> list[tuple[str, UUID | None]]:
    places: list[tuple[str, UUID | None]] = [(subject_kind, subject_id)]
    if subject_kind == "deal":
        deal = await conn.fetchrow(
            f"SELECT contact_id, company_id, lead_id FROM {s}.deals WHERE id = $1",  # noqa: S608 - checked schema
            subject_id,
        )
        if deal is not None:
            places += [("contact", deal["contact_id"]), ("company", deal["company_id"]), ("lead", deal["lead_id"])]
    return places


async def _scheduled(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    subject_id = UUID(d["subject_id"])
    await conn.execute(
        f"INSERT INTO {s}.scheduled_activities (id, kind, call_back, title, description, subject_kind, subject_id,"  # noqa: S608
        " responsible_id, due_at, remind_at, scheduled_at, scheduled_by, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        d["kind"],
        d["call_back"],
        clean(d["title"]),
        clean(d["description"]),
        d["subject_kind"],
        subject_id,
        UUID(d["responsible_id"]),
        moment(d.get("due_at")),
        moment(d.get("remind_at")),
        moment(d["at"]),
        UUID(d["by"]),
        e.version,
    )
    summary = {
        "activity_id": str(e.aggregate_id),
        **{k: d.get(k) for k in ("kind", "call_back", "title", "due_at", "responsible_id", "by")},
    }
    await on_timelines(conn, s, e, await _places(conn, s, d["subject_kind"], subject_id), summary, moment(d["at"]))
    ch.activities.add(e.aggregate_id)


async def _rescheduled(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    # A reminder moved to another time is to fire again (as the activity itself says).
    await _changed(
        conn,
        s,
        e,
        ch,
        "due_at = $3, remind_at = $4,"
        " reminder_fired_at = CASE WHEN remind_at IS DISTINCT FROM $4 THEN NULL ELSE reminder_fired_at END",
        moment(d.get("due_at")),
        moment(d.get("remind_at")),
        timeline={
            "due_at": d.get("due_at"),
            "remind_at": d.get("remind_at"),
            "previous_due_at": d.get("previous_due_at"),
        },
    )


async def _completed(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    result = clean(d["result"])
    await _changed(
        conn, s, e, ch, "done = true, done_at = $3, result = $4", moment(d["at"]), result, timeline={"result": result}
    )


async def _reminder_fired(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    # A reminder is told to its manager, not recorded on anyone's timeline.
    if await _changed(conn, s, e, ch, "reminder_fired_at = $3", moment(e.data["at"])):
        ch.reminders.append(e.aggregate_id)


async def _changed(  # noqa: PLR0913 - the row's change and what the timeline says of it
    conn: Connection,
    s: str,
    e: PublishedEvent,
    ch: Changes,
    sets: str,
    *values: object,
    timeline: dict[str, object] | None = None,
) -> bool:
    """Update the activity's row (``$3``... are ``values``); False if no such activity."""
    row = await conn.fetchrow(
        f"UPDATE {s}.scheduled_activities SET version = $2, {sets} WHERE id = $1"  # noqa: S608 - fixed SQL
        " RETURNING kind, title, subject_kind, subject_id",
        e.aggregate_id,
        e.version,
        *values,
    )
    if row is None:
        return False
    ch.activities.add(e.aggregate_id)
    if timeline is not None:
        d = e.data
        summary = {"activity_id": str(e.aggregate_id), "kind": row["kind"], "title": row["title"], **timeline}
        summary["by"] = d.get("by")
        places = await _places(conn, s, row["subject_kind"], row["subject_id"])
        await on_timelines(conn, s, e, places, summary, moment(d.get("at")))
    return True


async def _message(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    conversation = await conn.fetchrow(
        f"SELECT contact_id, lead_id, channel FROM {s}.conversations WHERE id = $1",  # noqa: S608
        e.aggregate_id,
    )
    if conversation is None:
        return
    customer = e.type.endswith("CustomerWrote")
    summary = {
        "conversation_id": str(e.aggregate_id),
        "channel": conversation["channel"],
        "author": "customer" if customer else "manager",
        "manager_id": None if customer else d.get("manager_id"),
        "subject": d.get("subject") or "",
        "text": shortened(d["text"]),
    }
    places = [("contact", conversation["contact_id"]), ("lead", conversation["lead_id"])]
    places += await converted_places(conn, s, conversation["lead_id"])
    await on_timelines(conn, s, e, places, summary, moment(d["received_at"] if customer else d["sent_at"]))


async def _mail_copied(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    summary = {
        "kind": d["kind"],
        "subject": d["subject"],
        "text": shortened(d["text"]),
        "manager_id": d.get("manager_id"),
        "forwarded_by": d.get("forwarded_by", ""),
    }
    await on_timelines(conn, s, e, [("contact", e.aggregate_id)], summary, moment(d["occurred_at"]))


HANDLERS: dict[str, Handler] = {
    "Activity.Scheduled": _scheduled,
    "Activity.Rescheduled": _rescheduled,
    "Activity.Completed": _completed,
    "Activity.ReminderFired": _reminder_fired,
    "Conversation.CustomerWrote": _message,
    "Conversation.OperatorReplied": _message,
    "Contact.ActivityLogged": _mail_copied,
}
