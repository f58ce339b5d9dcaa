"""The operators' report: per manager and queue, the leads routed, conversations answered, and times.

Times are in seconds, as medians and 90th percentiles of what finished: a lead not yet answered is not
in its manager's times. The leads are read by an index holding every column read (by time for
everyone, by manager and time for some managers), and the times are taken in seconds as doubles: the
percentiles are of doubles whatever they are given, and ``extract`` would make each one a numeric
first. A conversation answered in several leads counts once, without the leads being told apart by
conversation: each answered lead knows when the manager's earlier answered lead of its conversation in
the queue was assigned (``answered_earlier_at``), and the period's first of them is the one whose earlier
lead is before the period.
"""

from __future__ import annotations

import asyncpg

from services.console.report_sql import Query, ReportFilter, Table, tabled
from services.console.sales_queries import S

MEASURES = (
    ("first_response", "h.first_answer_at - h.assigned_at"),
    ("resolution", "h.resolved_at - h.assigned_at"),
    ("waited", "h.assigned_at - h.waited_from"),
)


async def operators(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per manager and queue, of the leads assigned in the period: leads routed, conversations answered,
    first-response and resolution times, and how long leads waited to be assigned (seconds).
    """  # noqa: D205 - the columns
    q = Query()
    f.people(q, "h.manager_id", "h.assigned_at")
    # One sort per measure gives both its median and its 90th percentile.
    cuts = ", ".join(
        f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', {interval})) AS {name}"
        for name, interval in MEASURES
    )
    times = ", ".join(
        f"round(w.{name}[{n}]::numeric, 2) AS {name}_{cut}_s"
        for name, _ in MEASURES
        for n, cut in ((1, "median"), (2, "p90"))
    )
    # A conversation answered in several of the period's leads counts on the first of them: the one whose
    # manager's earlier answered lead of it in the queue is before the period, or none.
    first = "h.answered_earlier_at IS NULL"
    if f.since is not None:
        first = f"({first} OR h.answered_earlier_at < {q.arg(f.since)})"
    sql = (
        "WITH work AS (SELECT h.manager_id, h.queue, count(*) AS leads_routed,"  # noqa: S608 - fixed SQL
        f" count(*) FILTER (WHERE h.first_answer_at IS NOT NULL AND {first}) AS conversations,"
        f" {cuts} FROM {S}.lead_handling h{q.clause} GROUP BY h.manager_id, h.queue)"
        " SELECT w.manager_id, m.name AS manager, w.queue, w.leads_routed, w.conversations AS conversations_handled,"
        f" {times} FROM work w LEFT JOIN {S}.managers m ON m.id = w.manager_id ORDER BY m.name, w.manager_id, w.queue"
    )
    return await tabled(pool, "operators", sql, q)
