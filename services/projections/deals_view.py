"""The deals read models: each deal as it stands, its product lines, and every stage it entered.

Every deal event carries the contact, company and lead the deal belongs to after it, so each one
updates those links too; a deal event is on the deal's timeline. Its opening and stage moves are on
the timelines of its contact, company and lead as well: read from the deal's own when they are read
(``timeline_deals``), not stored again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.event_ids import uuid_of
from services.projections.inbox_view import Changes
from services.projections.rows import Rows
from services.projections.sales_rows import LINKS, Handler, clean, day, moment, money, on_timelines, told, uuid_or_none

Row = dict[str, Any]


async def _changed(rows: Rows, e: PublishedEvent, ch: Changes, **settings: object) -> Row | None:
    """Update the deal's row with ``settings``, its version and links; the row after it (None: no such deal)."""
    d = e.data
    links = {link: uuid_or_none(d.get(link)) for link in LINKS}
    row = await rows.update("deals", e.aggregate_id, version=e.version, **links, **settings)
    ch.deals.add(e.aggregate_id)
    if row is not None:
        summary = {**told(d), "title": row["title"]}
        await on_timelines(rows, e, [("deal", e.aggregate_id)], summary, moment(d.get("at")))
    return row


async def _opened(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    stage, at = d["stage"], moment(d["at"])
    deal = rows.new_row(
        "deals",
        id=e.aggregate_id,
        title=clean(d["title"]),
        pipeline_id=uuid_of(d["pipeline_id"]),
        stage_id=uuid_of(stage["id"]),
        stage_kind=stage["kind"],
        amount=money(d["amount"]),
        currency=d["currency"],
        amount_set_by_hand=d["amount_set_by_hand"],
        probability=d["probability"],
        expected_close=day(d.get("expected_close")),
        contact_id=uuid_or_none(d.get("contact_id")),
        company_id=uuid_or_none(d.get("company_id")),
        lead_id=uuid_or_none(d.get("lead_id")),
        responsible_id=uuid_of(d["responsible_id"]),
        observers=[uuid_of(m) for m in d.get("observers", [])],
        opened_at=at,
        stage_entered_at=at,
        version=e.version,
    )
    await rows.insert("deals", deal)
    await _entered(rows, e, stage, None, uuid_of(d["responsible_id"]))
    await on_timelines(rows, e, [("deal", e.aggregate_id)], told(d, "deal_id"), at)
    ch.deals.add(e.aggregate_id)


async def _entered(
    rows: Rows, e: PublishedEvent, stage: dict[str, Any], from_stage: UUID | None, responsible: UUID
) -> None:
    d = e.data
    entered = rows.new_row(
        "deal_stage_history",
        deal_id=e.aggregate_id,
        notification_id=e.notification_id,
        pipeline_id=uuid_of(d["pipeline_id"]),
        from_stage_id=from_stage,
        stage_id=uuid_of(stage["id"]),
        stage_name=clean(stage["name"]),
        stage_kind=stage["kind"],
        entered_at=moment(d["at"]),
        reason=clean(d.get("reason", "")),
        reopened=d.get("reopened", False),
        amount=money(d["amount"]),
        currency=d["currency"],
        responsible_id=responsible,
        by=uuid_or_none(d.get("by")),
    )
    await rows.insert("deal_stage_history", entered, fresh=True)


async def _stage_changed(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    stage, at = d["stage"], moment(d["at"])
    closes = stage["kind"] != "in_progress"
    row = await _changed(
        rows,
        e,
        ch,
        stage_id=uuid_of(stage["id"]),
        stage_kind=stage["kind"],
        stage_entered_at=at,
        probability=d["probability"],
        closed_at=at if closes else None,
        outcome=stage["kind"] if closes else None,
        lost_reason=clean(d["reason"]) if stage["kind"] == "lost" else "",
    )
    if row is None:
        return
    for entered in await rows.where("deal_stage_history", ("deal_id",), e.aggregate_id):
        if entered["left_at"] is None:
            rows.replace("deal_stage_history", entered, left_at=at)
    await _entered(rows, e, stage, uuid_of(d["previous_stage_id"]), row["responsible_id"])


def _setting(column: str, read: Any = None) -> Handler:  # noqa: ANN401 - how the event's field is read
    """A handler that sets one column from the event's field of the same name."""

    async def handle(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
        value = e.data[column]
        await _changed(rows, e, ch, **{column: read(value) if read else value})

    return handle


async def _currency_changed(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    await _changed(rows, e, ch, currency=e.data["currency"], amount=money(e.data["amount"]))


async def _observer(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    observer = uuid_of(e.data["observer_id"])
    deal = await rows.get("deals", e.aggregate_id)
    observers: list[UUID] = deal["observers"] if deal else []
    if e.type.endswith("Added"):
        changed = observers if observer in observers else [*observers, observer]
        await _changed(rows, e, ch, observers=changed)
        return
    changed = [o for o in observers if o != observer]
    await _changed(rows, e, ch, observers=changed, **_former(deal))


async def _handed(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    deal = await rows.get("deals", e.aggregate_id)
    await _changed(rows, e, ch, responsible_id=uuid_of(e.data["responsible_id"]), **_former(deal))


def _former(deal: Row | None) -> dict[str, Any]:
    """Whose ``deal`` is, kept as whose it was: it changes hands now."""
    return {"former_responsible_id": deal["responsible_id"], "former_observers": deal["observers"]} if deal else {}


async def _line(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    if e.type.endswith("Removed"):
        await rows.delete("deal_lines", e.aggregate_id, uuid_of(d["line_id"]))
    else:
        line = d["line"]
        key = (e.aggregate_id, uuid_of(line["line_id"]))
        current = await rows.get("deal_lines", *key)
        # A changed line keeps its place among the others: when it was added.
        values = {
            "product_id": uuid_or_none(line.get("product_id")),
            "name": clean(line["name"]),
            "price": money(line["price"]),
            "quantity": money(line["quantity"]),
            "discount_percent": money(line["discount_percent"]),
            "tax_percent": money(line["tax_percent"]),
            "total": money(line["total"]),
        }
        if current is not None:
            rows.replace("deal_lines", current, **values)
        else:
            added = rows.new_row("deal_lines", deal_id=key[0], line_id=key[1], added_at=e.notification_id, **values)
            await rows.put("deal_lines", added)
    await _changed(rows, e, ch, amount=money(d["amount"]), lines_total=money(d["lines_total"]))


async def _relinked(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
    """The deal's contact or company changed: every deal event sets the links."""
    await _changed(rows, e, ch)


def _amount(*, by_hand: bool) -> Handler:
    async def handle(rows: Rows, e: PublishedEvent, ch: Changes) -> None:
        await _changed(rows, e, ch, amount=money(e.data["amount"]), amount_set_by_hand=by_hand)

    return handle


HANDLERS: dict[str, Handler] = {
    "Deal.Opened": _opened,
    "Deal.StageChanged": _stage_changed,
    "Deal.TitleChanged": _setting("title", clean),
    "Deal.ExpectedCloseChanged": _setting("expected_close", day),
    "Deal.ProbabilityChanged": _setting("probability"),
    "Deal.CurrencyChanged": _currency_changed,
    "Deal.ContactChanged": _relinked,
    "Deal.CompanyChanged": _relinked,
    "Deal.ResponsibleChanged": _handed,
    "Deal.ObserverAdded": _observer,
    "Deal.ObserverRemoved": _observer,
    "Deal.LineAdded": _line,
    "Deal.LineChanged": _line,
    "Deal.LineRemoved": _line,
    "Deal.AmountSetByHand": _amount(by_hand=True),
    "Deal.AmountFollowsLines": _amount(by_hand=False),
}
