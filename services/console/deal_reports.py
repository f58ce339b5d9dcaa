"""The standard reports on deals, each one SQL statement over the deals read model.

Whose deals: the responsible manager's (a deal someone only observes is not in their figures). Shares
are fractions from 0 to 1 with four decimals; amounts are per currency, never added across currencies.
The period is when deals were opened, except where a report says otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from services.console.report_sql import Query, ReportFilter, Table, tabled
from services.console.sales_queries import S

DAYS_AHEAD = timedelta(days=30)  # how far expected sales look when no period is given
MAX_LISTED = 10_000  # rows of a list report; a longer list wants a narrower period
WON, LOST = "d.outcome = 'won'", "d.outcome = 'lost'"
_VOLUME = (
    f"count(*) AS deals, count(*) FILTER (WHERE {WON}) AS won, count(*) FILTER (WHERE {LOST}) AS lost,"
    f" round(count(*) FILTER (WHERE {WON})::numeric / count(*), 4) AS won_share,"
    f" round(count(*) FILTER (WHERE {LOST})::numeric / count(*), 4) AS lost_share,"
    f" coalesce(sum(d.amount) FILTER (WHERE {WON}), 0) AS income"
)
_DEAL_ROW = (
    "d.id AS deal_id, d.title, p.name AS pipeline, st.name AS stage, d.responsible_id, m.name AS responsible,"
    " d.contact_id, d.company_id, d.amount, d.currency"
)
_DEAL_JOINS = (
    f" LEFT JOIN {S}.pipelines p ON p.id = d.pipeline_id LEFT JOIN {S}.stages st ON st.id = d.stage_id"
    f" LEFT JOIN {S}.managers m ON m.id = d.responsible_id"
)


async def deals_by_manager(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per responsible manager and currency: deals, won and lost with their shares, income from won deals."""
    q = Query()
    f.deals(q, "d.opened_at")
    # Grouped by id first, so only the groups are joined to names and sorted by them.
    sql = (
        f"WITH counts AS (SELECT d.responsible_id, d.currency, {_VOLUME} FROM {S}.deals d{q.clause}"  # noqa: S608
        " GROUP BY d.responsible_id, d.currency)"
        " SELECT c.responsible_id AS manager_id, m.name AS manager, c.currency, c.deals, c.won, c.lost,"
        f" c.won_share, c.lost_share, c.income FROM counts c LEFT JOIN {S}.managers m ON m.id = c.responsible_id"
        " ORDER BY m.name, c.responsible_id, c.currency"
    )
    return await tabled(pool, "deals-by-manager", sql, q)


async def deals_by_contact(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per contact and currency: deals, won and lost with their shares, income from won deals."""
    return await _volume_by(pool, f, "contact_id", "deals-by-contact")


async def deals_by_company(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per company and currency: deals, won and lost with their shares, income from won deals."""
    return await _volume_by(pool, f, "company_id", "deals-by-company")


async def _volume_by(pool: asyncpg.Pool, f: ReportFilter, column: str, title: str) -> Table:
    q = Query()
    f.deals(q, "d.opened_at")
    q.where(f"d.{column} IS NOT NULL")
    sql = (
        f"SELECT d.{column}, d.currency, {_VOLUME} FROM {S}.deals d{q.clause}"  # noqa: S608 - fixed columns
        f" GROUP BY d.{column}, d.currency ORDER BY income DESC, deals DESC, d.{column}, d.currency"
    )
    return await tabled(pool, title, sql, q)


async def company_profitability(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per company and currency, of the deals won in the period (closed in it): how many, income, average."""
    q = Query()
    f.deals(q, "d.closed_at")
    q.where(WON)
    q.where("d.company_id IS NOT NULL")
    sql = (
        "SELECT d.company_id, d.currency, count(*) AS won, sum(d.amount) AS income,"  # noqa: S608
        f" round(avg(d.amount), 2) AS average_deal FROM {S}.deals d{q.clause}"
        " GROUP BY d.company_id, d.currency ORDER BY income DESC, d.company_id, d.currency"
    )
    return await tabled(pool, "company-profitability", sql, q)


async def won_deals(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """The deals won in the period (closed in it), the latest first."""
    q = Query()
    f.deals(q, "d.closed_at")
    q.where(WON)
    sql = (
        f"SELECT {_DEAL_ROW}, d.opened_at, d.closed_at FROM {S}.deals d{_DEAL_JOINS}{q.clause}"  # noqa: S608
        f" ORDER BY d.closed_at DESC, d.id LIMIT {MAX_LISTED}"
    )
    return await tabled(pool, "won-deals", sql, q)


async def overdue_deals(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Open deals past their expected close day (the period: their expected close), the longest overdue first."""
    q = Query()
    f.deals(q, "d.expected_close")
    q.where("d.closed_at IS NULL")
    q.where(f"d.expected_close < {q.arg(f.today)}::date")
    sql = (
        f"SELECT {_DEAL_ROW}, d.expected_close, ({q.arg(f.today)}::date - d.expected_close) AS days_overdue"  # noqa: S608
        f" FROM {S}.deals d{_DEAL_JOINS}{q.clause} ORDER BY d.expected_close, d.id LIMIT {MAX_LISTED}"
    )
    return await tabled(pool, "overdue-deals", sql, q)


async def expected_sales(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Open deals expected to close in the period (from today, 30 days, unless given), weighted by probability.

    Per pipeline (the deal's type), client (contact and company), responsible manager and currency.
    """
    q = Query()
    f.deals(q, None)
    q.where("d.closed_at IS NULL")
    since = f.since.date() if f.since is not None else f.today
    until = f.until.date() if f.until is not None else since + DAYS_AHEAD
    q.where(f"d.expected_close >= {q.arg(since)}::date AND d.expected_close < {q.arg(until)}::date")
    sql = (
        "SELECT d.pipeline_id, p.name AS pipeline, d.contact_id, d.company_id, d.responsible_id,"  # noqa: S608
        " m.name AS responsible, d.currency, count(*) AS deals, sum(d.amount) AS amount,"
        " round(sum(d.amount * d.probability / 100.0), 2) AS weighted_amount"
        f" FROM {S}.deals d LEFT JOIN {S}.pipelines p ON p.id = d.pipeline_id"
        f" LEFT JOIN {S}.managers m ON m.id = d.responsible_id{q.clause}"
        " GROUP BY d.pipeline_id, p.name, d.contact_id, d.company_id, d.responsible_id, m.name, d.currency"
        " ORDER BY weighted_amount DESC, p.name, m.name, d.currency"
    )
    return await tabled(pool, "expected-sales", sql, q)


async def open_deals_by_stage(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Open deals per stage, in the pipeline's order: how many, and their share of the pipeline's open deals."""
    q = Query()
    f.deals(q, "d.opened_at")
    q.where("d.closed_at IS NULL")
    sql = (
        "SELECT d.pipeline_id, p.name AS pipeline, d.stage_id, st.name AS stage, count(*) AS deals,"  # noqa: S608
        " round(count(*)::numeric / sum(count(*)) OVER (PARTITION BY d.pipeline_id), 4) AS share"
        f" FROM {S}.deals d JOIN {S}.stages st ON st.id = d.stage_id"
        f" LEFT JOIN {S}.pipelines p ON p.id = d.pipeline_id{q.clause}"
        " GROUP BY d.pipeline_id, p.name, d.stage_id, st.name, st.position ORDER BY p.name, d.pipeline_id, st.position"
    )
    return await tabled(pool, "open-deals-by-stage", sql, q)


async def product_income(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per product and currency, of the deals won in the period (closed in it): quantity sold and revenue.

    A line without a catalogue product counts under its own name.
    """
    q = Query()
    f.deals(q, "d.closed_at")
    q.where(WON)
    sql = (
        "SELECT l.product_id, coalesce(pr.name, l.name) AS product, d.currency, count(DISTINCT d.id) AS deals,"  # noqa: S608
        " sum(l.quantity) AS quantity, sum(l.total) AS revenue"
        f" FROM {S}.deal_lines l JOIN {S}.deals d ON d.id = l.deal_id"
        f" LEFT JOIN {S}.products pr ON pr.id = l.product_id{q.clause}"
        " GROUP BY l.product_id, coalesce(pr.name, l.name), d.currency ORDER BY revenue DESC, product, d.currency"
    )
    return await tabled(pool, "product-income", sql, q)
