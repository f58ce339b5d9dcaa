"""The deals read models: each deal as it stands, its product lines, and every stage it entered.

Every deal event carries the contact, company and lead the deal belongs to after it, so each one
updates those links too; a deal event is on the deal's timeline, and its opening and stage moves on
the timelines of its contact, company and lead as well.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.sales_rows import LINKS, Handler, clean, day, moment, money, on_timelines, told, uuid_or_none
from services.tables import Connection

# An update of one column: the SQL with "{0}" where its value goes, and the value.
Setting = tuple[str, object]


async def _changed(
    conn: Connection, s: str, e: PublishedEvent, ch: Changes, *settings: Setting
) -> asyncpg.Record | None:
    """Update the deal's row with ``settings``, its version and links; the row after it (None: no such deal)."""
    d = e.data
    values: list[object] = [e.aggregate_id, e.version, *(uuid_or_none(d.get(link)) for link in LINKS)]
    sets = ["version = $2", "contact_id = $3", "company_id = $4", "lead_id = $5"]
    for sql, value in settings:
        values.append(value)
        sets.append(sql.format(f"${len(values)}"))
    row = await conn.fetchrow(
        f"UPDATE {s}.deals SET {', '.join(sets)} WHERE id = $1"  # noqa: S608 - checked schema, fixed columns
        " RETURNING title, responsible_id, contact_id, company_id, lead_id",
        *values,
    )
    ch.deals.add(e.aggregate_id)
    if row is not None:
        summary = {**told(d), "title": row["title"]}
        await on_timelines(conn, s, e, [("deal", e.aggregate_id)], summary, moment(d.get("at")))
    return row


def _places(e: PublishedEvent) -> list[tuple[str, UUID | None]]:
    d = e.data
    return [
        ("deal", e.aggregate_id),
        ("contact", uuid_or_none(d.get("contact_id"))),
        ("company", uuid_or_none(d.get("company_id"))),
        ("lead", uuid_or_none(d.get("lead_id"))),
    ]


async def _opened(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    stage, at = d["stage"], moment(d["at"])
    await conn.execute(
        f"INSERT INTO {s}.deals (id, title, pipeline_id, stage_id, stage_kind, amount, currency, amount_set_by_hand,"  # noqa: S608
        " probability, expected_close, contact_id, company_id, lead_id, responsible_id, observers, opened_at,"
        " stage_entered_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
        " $16, $16, $17) ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        clean(d["title"]),
        UUID(d["pipeline_id"]),
        UUID(stage["id"]),
        stage["kind"],
        money(d["amount"]),
        d["currency"],
        d["amount_set_by_hand"],
        d["probability"],
        day(d.get("expected_close")),
        uuid_or_none(d.get("contact_id")),
        uuid_or_none(d.get("company_id")),
        uuid_or_none(d.get("lead_id")),
        UUID(d["responsible_id"]),
        [UUID(m) for m in d.get("observers", [])],
        at,
        e.version,
    )
    await _entered(conn, s, e, stage, None, UUID(d["responsible_id"]))
    await on_timelines(conn, s, e, _places(e), told(d, "deal_id"), at)
    ch.deals.add(e.aggregate_id)


async def _entered(  # noqa: PLR0913 - the stage entered, from where, and whose the deal was
    conn: Connection, s: str, e: PublishedEvent, stage: dict[str, Any], from_stage: UUID | None, responsible: UUID
) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.deal_stage_history (deal_id, notification_id, pipeline_id, from_stage_id, stage_id,"  # noqa: S608
        " stage_name, stage_kind, entered_at, reason, reopened, amount, currency, responsible_id, by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING",
        e.aggregate_id,
        e.notification_id,
        UUID(d["pipeline_id"]),
        from_stage,
        UUID(stage["id"]),
        clean(stage["name"]),
        stage["kind"],
        moment(d["at"]),
        clean(d.get("reason", "")),
        d.get("reopened", False),
        money(d["amount"]),
        d["currency"],
        responsible,
        uuid_or_none(d.get("by")),
    )


async def _stage_changed(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    stage, at = d["stage"], moment(d["at"])
    closes = stage["kind"] != "in_progress"
    row = await _changed(
        conn,
        s,
        e,
        ch,
        ("stage_id = {0}", UUID(stage["id"])),
        ("stage_kind = {0}", stage["kind"]),
        ("stage_entered_at = {0}", at),
        ("probability = {0}", d["probability"]),
        ("closed_at = {0}", at if closes else None),
        ("outcome = {0}", stage["kind"] if closes else None),
        ("lost_reason = {0}", clean(d["reason"]) if stage["kind"] == "lost" else ""),
    )
    if row is None:
        return
    await conn.execute(
        f"UPDATE {s}.deal_stage_history SET left_at = $2 WHERE deal_id = $1 AND left_at IS NULL",  # noqa: S608
        e.aggregate_id,
        at,
    )
    await _entered(conn, s, e, stage, UUID(d["previous_stage_id"]), row["responsible_id"])
    places = [p for p in _places(e) if p[0] != "deal"]  # the deal's own timeline has it already
    await on_timelines(conn, s, e, places, {**told(d), "deal_id": str(e.aggregate_id), "title": row["title"]}, at)


def _setting(column: str, read: Any = None) -> Handler:  # noqa: ANN401 - how the event's field is read
    """A handler that sets one column from the event's field of the same name."""

    async def handle(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
        value = e.data[column]
        await _changed(conn, s, e, ch, (f"{column} = {{0}}", read(value) if read else value))

    return handle


async def _currency_changed(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    await _changed(conn, s, e, ch, ("currency = {0}", e.data["currency"]), ("amount = {0}", money(e.data["amount"])))


async def _observer(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    observer = UUID(e.data["observer_id"])
    if e.type.endswith("Added"):
        change = "observers = CASE WHEN {0} = ANY(observers) THEN observers ELSE array_append(observers, {0}) END"
    else:
        change = "observers = array_remove(observers, {0})"
    await _changed(conn, s, e, ch, (change, observer))


def _line_values(e: PublishedEvent) -> tuple[object, ...]:
    line = e.data["line"]
    return (
        e.aggregate_id,
        UUID(line["line_id"]),
        uuid_or_none(line.get("product_id")),
        clean(line["name"]),
        money(line["price"]),
        money(line["quantity"]),
        money(line["discount_percent"]),
        money(line["tax_percent"]),
        money(line["total"]),
        e.notification_id,
    )


async def _line(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    d = e.data
    if e.type.endswith("Removed"):
        await conn.execute(
            f"DELETE FROM {s}.deal_lines WHERE deal_id = $1 AND line_id = $2",  # noqa: S608
            e.aggregate_id,
            UUID(d["line_id"]),
        )
    else:
        # A changed line keeps its place among the others: when it was added.
        await conn.execute(
            f"INSERT INTO {s}.deal_lines (deal_id, line_id, product_id, name, price, quantity, discount_percent,"  # noqa: S608
            " tax_percent, total, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (deal_id, line_id) DO UPDATE SET product_id = EXCLUDED.product_id, name = EXCLUDED.name,"
            " price = EXCLUDED.price, quantity = EXCLUDED.quantity, discount_percent = EXCLUDED.discount_percent,"
            " tax_percent = EXCLUDED.tax_percent, total = EXCLUDED.total",
            *_line_values(e),
        )
    await _changed(conn, s, e, ch, ("amount = {0}", money(d["amount"])), ("lines_total = {0}", money(d["lines_total"])))


async def _relinked(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
    """The deal's contact or company changed: every deal event sets the links."""
    await _changed(conn, s, e, ch)


def _amount(*, by_hand: bool) -> Handler:
    async def handle(conn: Connection, s: str, e: PublishedEvent, ch: Changes) -> None:
        await _changed(conn, s, e, ch, ("amount = {0}", money(e.data["amount"])), ("amount_set_by_hand = {0}", by_hand))

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
    "Deal.ResponsibleChanged": _setting("responsible_id", UUID),
    "Deal.ObserverAdded": _observer,
    "Deal.ObserverRemoved": _observer,
    "Deal.LineAdded": _line,
    "Deal.LineChanged": _line,
    "Deal.LineRemoved": _line,
    "Deal.AmountSetByHand": _amount(by_hand=True),
    "Deal.AmountFollowsLines": _amount(by_hand=False),
}
