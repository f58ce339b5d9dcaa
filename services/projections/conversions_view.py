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
from services.projections.rows import Rows
from services.projections.sales_rows import Handler, moment, on_timelines, uuid_or_none

RECORDS = ("contact", "company", "deal")
MESSAGES = ("Conversation.CustomerWrote", "Conversation.OperatorReplied")


async def converted_places(rows: Rows, lead_id: UUID | None) -> list[tuple[str, UUID | None]]:
    """The records lead ``lead_id`` was converted into, as timeline places (none if it was not)."""
    if lead_id is None:
        return []
    row = await rows.get("lead_conversions", lead_id)
    return [] if row is None else [(record, row[f"{record}_id"]) for record in RECORDS]


async def _converted(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    ids = {record: uuid_or_none(d.get(f"{record}_id")) for record in RECORDS}
    conversion = rows.new_row(
        "lead_conversions",
        lead_id=e.aggregate_id,
        contact_id=ids["contact"],
        company_id=ids["company"],
        deal_id=ids["deal"],
        converted_at=moment(d.get("at")) or e.occurred_at,
        converted_by=uuid_or_none(d.get("by")),
    )
    await rows.put("lead_conversions", conversion)
    places = [(record, ids[record]) for record in RECORDS]
    # The messages so far, as the lead's timeline has them: in the same order, at the same places.
    for entry in await rows.where("timeline", ("subject_kind", "subject_id"), "lead", e.aggregate_id):
        if entry["kind"] in MESSAGES:
            for kind, record in places:
                if record is not None:
                    await rows.insert("timeline", {**entry, "subject_kind": kind, "subject_id": record})
    summary = {
        "lead_id": str(e.aggregate_id),
        **{f"{record}_id": d.get(f"{record}_id") for record in RECORDS},
        "created": d.get("created", []),
        "conversation_ids": d.get("conversation_ids", []),
        "by": d.get("by"),
    }
    await on_timelines(rows, e, [("lead", e.aggregate_id), *places], summary, moment(d.get("at")))
    ch.conversions.add(e.aggregate_id)


HANDLERS: dict[str, Handler] = {"Lead.Converted": _converted}
