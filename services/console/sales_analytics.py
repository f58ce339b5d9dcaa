"""The read model behind the deal board: deals per stage."""

from __future__ import annotations

import asyncpg

from services.console.report_sql import Query, ReportFilter, Table, tabled
from services.console.sales_queries import S


async def deal_board(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Every stage of every pipeline in order, with the deals now in it: count and amount per currency.

    This is the classic funnel as well. The period is when deals were opened; a stage without deals
    is listed with none.
    """
    q = Query()
    f.deals(q, "d.opened_at")
    stages = "" if f.pipeline_id is None else f" WHERE s.pipeline_id = {q.arg(f.pipeline_id)}"
    sql = (
        "SELECT p.id AS pipeline_id, p.name AS pipeline, s.id AS stage_id, s.name AS stage, s.kind AS stage_kind,"  # noqa: S608
        " c.currency, coalesce(c.deals, 0) AS deals, coalesce(c.amount, 0) AS amount"
        f" FROM {S}.stages s JOIN {S}.pipelines p ON p.id = s.pipeline_id LEFT JOIN ("
        "SELECT d.stage_id, d.currency, count(*) AS deals, sum(d.amount) AS amount"
        f" FROM {S}.deals d{q.clause} GROUP BY d.stage_id, d.currency) c ON c.stage_id = s.id{stages}"
        " ORDER BY p.name, p.id, s.position, c.currency"
    )
    return await tabled(pool, "deal-board", sql, q)
