"""The read models behind the boards: deals per stage, operators' work.

Times are in seconds, as medians and 90th percentiles of what finished: a lead not yet answered is
not in its manager's times.
"""

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


async def operators(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per manager and queue, of the leads assigned in the period: leads routed, conversations answered,
    first-response and resolution times, and how long leads waited to be assigned (seconds).
    """  # noqa: D205 - the columns
    q = Query()
    f.people(q, "h.manager_id", "h.assigned_at")
    # One sort per measure gives both its median and its 90th percentile.
    cuts = ", ".join(
        f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY extract(epoch FROM {interval})) AS {name}"
        for name, interval in (
            ("first_response", "h.first_answer_at - h.assigned_at"),
            ("resolution", "h.resolved_at - h.assigned_at"),
            ("waited", "h.assigned_at - h.waited_from"),
        )
    )
    times = ", ".join(
        f"round(w.{name}[{n}]::numeric, 2) AS {name}_{cut}_s"
        for name in ("first_response", "resolution", "waited")
        for n, cut in ((1, "median"), (2, "p90"))
    )
    sql = (
        "WITH work AS (SELECT h.manager_id, h.queue, count(*) AS leads_routed,"  # noqa: S608 - fixed SQL
        " count(DISTINCT h.conversation_id) FILTER (WHERE h.first_answer_at IS NOT NULL) AS conversations_handled,"
        f" {cuts} FROM {S}.lead_handling h{q.clause} GROUP BY h.manager_id, h.queue)"
        " SELECT w.manager_id, m.name AS manager, w.queue, w.leads_routed, w.conversations_handled,"
        f" {times} FROM work w LEFT JOIN {S}.managers m ON m.id = w.manager_id"
        " ORDER BY m.name, w.manager_id, w.queue"
    )
    return await tabled(pool, "operators", sql, q)
