"""What leads were converted into, and the conversation history the converted records take with them.

A conversion is on the timelines of the lead and of every record it became. The messages of the lead's
conversations, before the conversion and after it, are on the timelines of its contact, company and
deal too: ``timeline_messages`` reads them through the conversion kept here, so a deal shows how its
customer first wrote, and what they write next.
"""

from __future__ import annotations

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.rows import Rows
from services.projections.sales_rows import Handler, moment, on_timelines, uuid_or_none

RECORDS = ("contact", "company", "deal")


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
