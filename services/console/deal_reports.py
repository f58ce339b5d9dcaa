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
VOLUME_SUMS = (  # the same, summed again per client before the shares are worked out
    f"count(*) AS deals, count(*) FILTER (WHERE {WON}) AS won, count(*) FILTER (WHERE {LOST}) AS lost,"
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
    # One pass over the lines: a product's deals are told apart within its group, a few dozen lines, which
    # cost less than summing every deal's lines per product first and counting those sums again.
    sql = (
        "SELECT l.product_id, coalesce(pr.name, l.name) AS product, d.currency, count(DISTINCT d.id) AS deals,"  # noqa: S608
        f" sum(l.quantity) AS quantity, sum(l.total) AS revenue FROM {S}.deal_lines l"
        f" JOIN {S}.deals d ON d.id = l.deal_id LEFT JOIN {S}.products pr ON pr.id = l.product_id{q.clause}"
        " GROUP BY l.product_id, coalesce(pr.name, l.name), d.currency ORDER BY revenue DESC, product, d.currency"
    )
    return await tabled(pool, "product-income", sql, q)
