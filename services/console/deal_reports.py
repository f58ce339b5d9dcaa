"""The standard reports on deals, each one SQL statement over the deals read model.

Whose deals: the responsible manager's (a deal someone only observes is not in their figures). Shares
are fractions from 0 to 1 with four decimals; amounts are per currency, never added across currencies.
The period is when deals were opened, except where a report says otherwise.
"""

from __future__ import annotations

import asyncpg

from services.console.report_sql import Query, ReportFilter, Table, tabled
from services.console.sales_queries import S

WON, LOST = "d.outcome = 'won'", "d.outcome = 'lost'"
_VOLUME = (
    f"count(*) AS deals, count(*) FILTER (WHERE {WON}) AS won, count(*) FILTER (WHERE {LOST}) AS lost,"
    f" round(count(*) FILTER (WHERE {WON})::numeric / count(*), 4) AS won_share,"
    f" round(count(*) FILTER (WHERE {LOST})::numeric / count(*), 4) AS lost_share,"
    f" coalesce(sum(d.amount) FILTER (WHERE {WON}), 0) AS income"
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


_VOLUME_SUMS = (
    f"count(*) AS deals, count(*) FILTER (WHERE {WON}) AS won, count(*) FILTER (WHERE {LOST}) AS lost,"
    f" coalesce(sum(d.amount) FILTER (WHERE {WON}), 0) AS income"
)


async def _volume_by(pool: asyncpg.Pool, f: ReportFilter, column: str, title: str) -> Table:
    """Counted per record first, then per the record it is now (a merged contact's under its survivor), named."""
    q = Query()
    f.deals(q, "d.opened_at")
    q.where(f"d.{column} IS NOT NULL")
    kind = column.removesuffix("_id")
    table, now = ("contacts", "coalesce(r.merged_into, k.id)") if kind == "contact" else ("companies", "k.id")
    sql = (
        f"WITH counts AS (SELECT d.{column} AS id, d.currency, {_VOLUME_SUMS} FROM {S}.deals d{q.clause}"  # noqa: S608
        " GROUP BY 1, 2),"
        f" now AS (SELECT {now} AS id, k.currency, sum(k.deals)::bigint AS deals, sum(k.won)::bigint AS won,"
        f" sum(k.lost)::bigint AS lost, sum(k.income) AS income FROM counts k LEFT JOIN {S}.{table} r ON r.id = k.id"
        " GROUP BY 1, 2)"
        f" SELECT n.id AS {column}, x.name AS {kind}, n.currency, n.deals, n.won, n.lost,"
        " round(n.won::numeric / n.deals, 4) AS won_share, round(n.lost::numeric / n.deals, 4) AS lost_share, n.income"
        f" FROM now n LEFT JOIN {S}.{table} x ON x.id = n.id ORDER BY n.income DESC, n.deals DESC, n.id, n.currency"
    )
    return await tabled(pool, title, sql, q)


async def company_profitability(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per company and currency, of the deals won in the period (closed in it): how many, income, average."""
    q = Query()
    f.deals(q, "d.closed_at")
    q.where(WON)
    q.where("d.company_id IS NOT NULL")
    sql = (
        "WITH won AS (SELECT d.company_id, d.currency, count(*) AS won, sum(d.amount) AS income,"  # noqa: S608
        f" round(avg(d.amount), 2) AS average_deal FROM {S}.deals d{q.clause} GROUP BY d.company_id, d.currency)"
        " SELECT w.company_id, c.name AS company, w.currency, w.won, w.income, w.average_deal"
        f" FROM won w LEFT JOIN {S}.companies c ON c.id = w.company_id ORDER BY w.income DESC, w.company_id, w.currency"
    )
    return await tabled(pool, "company-profitability", sql, q)


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
