"""The reports that list deals (won, overdue) or groups of them (expected sales), a page at a time.

A page ends with a cursor to the next one: the sort key of its last row, so the next page starts
after that row by the index, and page fifty costs what page one does. An export walks every page.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import asyncpg

from services.console.paging import CursorShape, Page
from services.console.report_sql import LIST_PAGE, Query, ReportFilter, Table, amount_after, paged, wrong_cursor
from services.console.sales_queries import S

DAYS_AHEAD = timedelta(days=30)  # how far expected sales look when no period is given
NOBODY = UUID(int=0)  # stands for "no contact" or "no company" in a sort key
WON = "d.outcome = 'won'"
BY_CLOSED: CursorShape = ("at", "id")
BY_CLOSING: CursorShape = ("text", "id")
BY_WEIGHT: CursorShape = ("text", "id", "id", "id", "id", "text")
_DEAL_ROW = (
    "d.id AS deal_id, d.title, p.name AS pipeline, st.name AS stage, d.responsible_id, m.name AS responsible,"
    " d.contact_id, c.name AS contact, d.company_id, co.name AS company, d.amount, d.currency"
)
_DEAL_JOINS = (
    f" LEFT JOIN {S}.pipelines p ON p.id = d.pipeline_id LEFT JOIN {S}.stages st ON st.id = d.stage_id"
    f" LEFT JOIN {S}.managers m ON m.id = d.responsible_id LEFT JOIN {S}.contacts c ON c.id = d.contact_id"
    f" LEFT JOIN {S}.companies co ON co.id = d.company_id"
)


def _page_of_deals(q: Query, order: str, page: Page) -> str:
    """The page's deals (alias ``d``) cut before they are named: the names are looked up for its rows alone."""
    return f"(SELECT d.* FROM {S}.deals d{q.clause} ORDER BY {order} LIMIT {page.limit + 1}) d"  # noqa: S608


async def won_deals(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """The deals won in the period (closed in it), the latest first."""
    q, page = Query(), f.page or Page(LIST_PAGE)
    f.deals(q, "d.closed_at")
    q.where(WON)
    if page.after is not None:
        q.where(f"(d.closed_at, d.id) < ({q.arg(page.after[0])}, {q.arg(page.after[1])})")
    order = "d.closed_at DESC, d.id DESC"
    sql = (
        f"SELECT {_DEAL_ROW}, d.opened_at, d.closed_at FROM {_page_of_deals(q, order, page)}{_DEAL_JOINS}"  # noqa: S608
        f" ORDER BY {order}"
    )
    return await paged(pool, "won-deals", sql, q, page, lambda r: (r["closed_at"], r["deal_id"]))


async def overdue_deals(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Open deals past their expected close day (the period: their expected close), the longest overdue first."""
    q, page = Query(), f.page or Page(LIST_PAGE)
    f.deals(q, "d.expected_close")
    q.where("d.closed_at IS NULL")
    q.where(f"d.expected_close < {q.arg(f.today)}::date")
    if page.after is not None:
        try:
            after = date.fromisoformat(page.after[0])
        except ValueError:
            raise wrong_cursor() from None
        q.where(f"(d.expected_close, d.id) > ({q.arg(after)}::date, {q.arg(page.after[1])})")
    order = "d.expected_close, d.id"
    sql = (
        f"SELECT {_DEAL_ROW}, d.expected_close, ({q.arg(f.today)}::date - d.expected_close) AS days_overdue"  # noqa: S608
        f" FROM {_page_of_deals(q, order, page)}{_DEAL_JOINS} ORDER BY {order}"
    )
    return await paged(pool, "overdue-deals", sql, q, page, lambda r: (r["expected_close"].isoformat(), r["deal_id"]))


async def expected_sales(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Open deals expected to close in the period (from today, 30 days, unless given), weighted by probability.

    Per pipeline (the deal's type), client (contact and company), responsible manager and currency; the
    heaviest first.
    """
    q, page = Query(), f.page or Page(LIST_PAGE)
    f.deals(q, None)
    q.where("d.closed_at IS NULL")
    since = f.since.date() if f.since is not None else f.today
    until = f.until.date() if f.until is not None else since + DAYS_AHEAD
    q.where(f"d.expected_close >= {q.arg(since)}::date AND d.expected_close < {q.arg(until)}::date")
    after = ""
    if page.after is not None:
        w = q.arg(amount_after(page.after[0]))
        rest = ", ".join(q.arg(part) for part in page.after[1:])
        after = (
            f" WHERE g.weighted_amount < {w} OR (g.weighted_amount = {w}"
            f" AND (g.pipeline_id, g.contact_key, g.company_key, g.responsible_id, g.currency) > ({rest}))"
        )
    nobody = q.arg(NOBODY)
    order = "g.weighted_amount DESC, g.pipeline_id, g.contact_key, g.company_key, g.responsible_id, g.currency"
    # The groups are counted and the page cut before the page's groups are named.
    sql = (
        "SELECT g.pipeline_id, p.name AS pipeline, g.contact_id, c.name AS contact, g.company_id,"  # noqa: S608
        " co.name AS company, g.responsible_id, m.name AS responsible, g.currency, g.deals, g.amount,"
        " g.weighted_amount, g.contact_key, g.company_key FROM (SELECT * FROM (SELECT d.pipeline_id, d.contact_id,"
        f" d.company_id, coalesce(d.contact_id, {nobody}) AS contact_key, coalesce(d.company_id, {nobody})"
        " AS company_key, d.responsible_id, d.currency, count(*) AS deals, sum(d.amount) AS amount,"
        f" round(sum(d.amount * d.probability / 100.0), 2) AS weighted_amount FROM {S}.deals d{q.clause}"
        f" GROUP BY d.pipeline_id, d.contact_id, d.company_id, d.responsible_id, d.currency) g{after}"
        f" ORDER BY {order} LIMIT {page.limit + 1}) g"
        f" LEFT JOIN {S}.pipelines p ON p.id = g.pipeline_id LEFT JOIN {S}.managers m ON m.id = g.responsible_id"
        f" LEFT JOIN {S}.contacts c ON c.id = g.contact_id LEFT JOIN {S}.companies co ON co.id = g.company_id"
        f" ORDER BY {order}"
    )

    def key(row: asyncpg.Record) -> tuple[object, ...]:
        return (
            f"{row['weighted_amount']:f}",
            row["pipeline_id"],
            row["contact_key"],
            row["company_key"],
            row["responsible_id"],
            row["currency"],
        )

    return await paged(pool, "expected-sales", sql, q, page, key, hidden=("contact_key", "company_key"))
