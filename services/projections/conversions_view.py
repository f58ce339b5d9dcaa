"""What leads were converted into, and the conversation history the converted records take with them.

A conversion is on the timelines of the lead and of every record it became. The messages of the lead's
conversations so far are put on the timelines of its contact, company and deal too, and so is every
message of those conversations after it (``converted_places``): a deal shows how its customer first
wrote, and what they write next.
"""

from __future__ import annotations

from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.sales_rows import Handler, moment, on_timelines, uuid_or_none
from services.tables import Connection

RECORDS = ("contact", "company", "deal")
MESSAGES = ("Conversation.CustomerWrote", "Conversation.OperatorReplied")


async def converted_places(conn: Connection, s: str, lead_id: UUID | None) -> list[tuple[str, UUID | None]]:
    """The records lead ``lead_id`` was converted into, as timeline places (none if it was not)."""
    if lead_id is None:
        return []
    row = await conn.fetchrow(
        f"SELECT contact_id, company_id, deal_id FROM {s}.lead_conversions WHERE lead_id = $1",  # noqa: S608 - checked schema
        lead_id,
    )
    return [] if row is None else [(record, row[f"{record}_id"]) for record in RECORDS]


async def _converted(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    ids = {record: uuid_or_none(d.get(f"{record}_id")) for record in RECORDS}
    await conn.execute(
        f"INSERT INTO {s}.lead_conversions (lead_id, contact_id, company_id, deal_id, converted_at, converted_by)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (lead_id) DO UPDATE SET contact_id = EXCLUDED.contact_id,"
        " company_id = EXCLUDED.company_id, deal_id = EXCLUDED.deal_id, converted_at = EXCLUDED.converted_at,"
        " converted_by = EXCLUDED.converted_by",
        e.aggregate_id,
        ids["contact"],
        ids["company"],
        ids["deal"],
        moment(d.get("at")) or e.occurred_at,
        uuid_or_none(d.get("by")),
    )
    places = [(record, ids[record]) for record in RECORDS]
    # The messages so far, as the lead's timeline has them: in the same order, at the same places.
    await conn.execute(
        f"INSERT INTO {s}.timeline (subject_kind, subject_id, notification_id, at, kind, summary)"  # noqa: S608
        " SELECT p.kind, p.id, t.notification_id, t.at, t.kind, t.summary"
        f" FROM {s}.timeline t, unnest($2::text[], $3::uuid[]) AS p(kind, id)"
        " WHERE t.subject_kind = 'lead' AND t.subject_id = $1 AND t.kind = ANY($4::text[]) AND p.id IS NOT NULL"
        " ON CONFLICT DO NOTHING",
        e.aggregate_id,
        [kind for kind, _ in places],
        [record for _, record in places],
        list(MESSAGES),
    )
    summary = {
        "lead_id": str(e.aggregate_id),
        **{f"{record}_id": d.get(f"{record}_id") for record in RECORDS},
        "created": d.get("created", []),
        "conversation_ids": d.get("conversation_ids", []),
        "by": d.get("by"),
    }
    await on_timelines(conn, s, e, [("lead", e.aggregate_id), *places], summary, moment(d.get("at")))
    ch.conversions.add(e.aggregate_id)


HANDLERS: dict[str, Handler] = {"Lead.Converted": _converted}
