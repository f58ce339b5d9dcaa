"""The read models behind the boards: deals per stage, the funnel with conversion, activities, operators' work.

Times are in hours (stages) or seconds (operators), as medians and 90th percentiles of what finished:
a deal still in a stage, or a lead not yet answered, is not in its stage's or manager's times.
"""

from __future__ import annotations

import asyncpg

from services.console.report_sql import Query, ReportFilter, Table, tabled
from services.console.sales_queries import S

_DEPARTMENT = (
    "(SELECT min(t.name) FROM {S}.team_members tm JOIN {S}.teams t ON t.id = tm.team_id"
    " WHERE tm.manager_id = {manager})"
)


def department_of(manager: str) -> str:
    """SQL for the department (team) of the manager in column ``manager``; the first by name if several."""
    return _DEPARTMENT.format(S=S, manager=manager)


def _percentile(share: float, interval: str, per: int) -> str:
    return (
        f"round((percentile_cont({share}) WITHIN GROUP (ORDER BY extract(epoch FROM {interval})) / {per})::numeric, 2)"
    )


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


async def funnel_conversion(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Of the deals that entered each stage in the period, how many reached each later stage, and their share.

    With the time deals stayed in the stage (from the entry in the period to leaving it), median and
    90th percentile in hours. "Later" is by the pipeline's order now; a deal reached a stage when it
    entered it after entering this one.
    """
    q = Query()
    f.deals(q, None)
    f.period(q, "h.entered_at")
    if f.pipeline_id is not None:
        q.where(f"h.pipeline_id = {q.arg(f.pipeline_id)}")
    median, p90 = (_percentile(share, "e.left_at - e.entered_at", 3600) for share in (0.5, 0.9))
    # Each CTE holds one row per deal and stage, so a deal is counted once per pair of stages
    # without a DISTINCT, and the pairs are found by one hash join on the deal.
    sql = (
        "WITH entered AS (SELECT DISTINCT ON (h.deal_id, h.stage_id) h.deal_id, h.stage_id, h.entered_at,"  # noqa: S608
        f" h.left_at, s.pipeline_id, s.position FROM {S}.deal_stage_history h JOIN {S}.deals d ON d.id = h.deal_id"
        f" JOIN {S}.stages s ON s.id = h.stage_id{q.clause} ORDER BY h.deal_id, h.stage_id, h.entered_at),"
        f" cohort AS (SELECT e.stage_id, count(*) AS entered, {median} AS median_hours, {p90} AS p90_hours"
        " FROM entered e GROUP BY e.stage_id),"
        " latest AS (SELECT h.deal_id, h.stage_id, max(h.entered_at) AS entered_at"
        f" FROM {S}.deal_stage_history h WHERE h.deal_id IN (SELECT deal_id FROM entered) GROUP BY 1, 2),"
        " reached AS (SELECT e.stage_id, r.stage_id AS later_id, count(*) AS reached FROM entered e"
        " JOIN latest r ON r.deal_id = e.deal_id AND r.entered_at >= e.entered_at"
        f" JOIN {S}.stages t ON t.id = r.stage_id AND t.pipeline_id = e.pipeline_id AND t.position > e.position"
        " GROUP BY 1, 2)"
        " SELECT p.id AS pipeline_id, p.name AS pipeline, s.id AS stage_id, s.name AS stage, c.entered,"
        " c.median_hours, c.p90_hours, t.id AS later_stage_id, t.name AS later_stage,"
        " coalesce(r.reached, 0) AS reached, round(coalesce(r.reached, 0)::numeric / c.entered, 4) AS share"
        f" FROM cohort c JOIN {S}.stages s ON s.id = c.stage_id JOIN {S}.pipelines p ON p.id = s.pipeline_id"
        f" LEFT JOIN {S}.stages t ON t.pipeline_id = s.pipeline_id AND t.position > s.position"
        " LEFT JOIN reached r ON r.stage_id = c.stage_id AND r.later_id = t.id"
        " ORDER BY p.name, p.id, s.position, t.position"
    )
    return await tabled(pool, "funnel-conversion", sql, q)


_ACTIVITY_COUNTS = (
    "count(*) FILTER (WHERE NOT a.done AND (a.due_at IS NULL OR a.due_at >= now())) AS due,"
    " count(*) FILTER (WHERE NOT a.done AND a.due_at < now()) AS overdue,"
    " count(*) FILTER (WHERE a.done) AS done"
)


def _activities(f: ReportFilter) -> Query:
    """Activities of the period: open ones due in it (or with no due time), done ones done in it."""
    q = Query()
    f.people(q, "a.responsible_id", None)
    if f.since is not None or f.until is not None:
        due, done = Query(), Query()
        due.args = done.args = q.args  # one numbering for the whole statement
        f.period(due, "a.due_at")
        f.period(done, "a.done_at")
        q.where(
            f"((NOT a.done AND (a.due_at IS NULL OR ({' AND '.join(due.conditions)})))"
            f" OR (a.done AND {' AND '.join(done.conditions)}))"
        )
    return q


def _activity_counts(f: ReportFilter) -> tuple[str, Query]:
    """Counted per responsible manager first: the names and departments are joined to fifty rows, not to all."""
    q = _activities(f)
    sql = (
        f"WITH counts AS (SELECT a.responsible_id, {_ACTIVITY_COUNTS} FROM {S}.scheduled_activities a{q.clause}"  # noqa: S608
        " GROUP BY a.responsible_id)"
    )
    return sql, q


async def activities_by_manager(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per responsible manager: activities due (or without a due time), overdue, and done."""
    counts, q = _activity_counts(f)
    sql = (
        f"{counts} SELECT c.responsible_id AS manager_id, m.name AS manager,"  # noqa: S608 - fixed SQL
        f" {department_of('c.responsible_id')} AS department, c.due, c.overdue, c.done"
        f" FROM counts c LEFT JOIN {S}.managers m ON m.id = c.responsible_id ORDER BY m.name, c.responsible_id"
    )
    return await tabled(pool, "activities", sql, q)


async def activities_by_department(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per department of the responsible manager: activities due (or without a due time), overdue, and done."""
    counts, q = _activity_counts(f)
    sql = (
        f"{counts} SELECT {department_of('c.responsible_id')} AS department, sum(c.due)::bigint AS due,"  # noqa: S608
        " sum(c.overdue)::bigint AS overdue, sum(c.done)::bigint AS done FROM counts c GROUP BY 1 ORDER BY 1"
    )
    return await tabled(pool, "activities-by-department", sql, q)


async def operators(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per manager and queue, of the leads assigned in the period: leads routed, conversations answered,
    first-response and resolution times, and how long leads waited to be assigned (seconds).
    """  # noqa: D205 - the columns
    q = Query()
    f.people(q, "h.manager_id", "h.assigned_at")
    times = ", ".join(
        f"{_percentile(share, interval, 1)} AS {name}"
        for name, share, interval in (
            ("first_response_median_s", 0.5, "h.first_answer_at - h.assigned_at"),
            ("first_response_p90_s", 0.9, "h.first_answer_at - h.assigned_at"),
            ("resolution_median_s", 0.5, "h.resolved_at - h.assigned_at"),
            ("resolution_p90_s", 0.9, "h.resolved_at - h.assigned_at"),
            ("waited_median_s", 0.5, "h.assigned_at - h.waited_from"),
            ("waited_p90_s", 0.9, "h.assigned_at - h.waited_from"),
        )
    )
    sql = (
        "WITH work AS (SELECT h.manager_id, h.queue, count(*) AS leads_routed,"  # noqa: S608 - fixed SQL
        " count(DISTINCT h.conversation_id) FILTER (WHERE h.first_answer_at IS NOT NULL) AS conversations_handled,"
        f" {times} FROM {S}.lead_handling h{q.clause} GROUP BY h.manager_id, h.queue)"
        " SELECT w.manager_id, m.name AS manager, w.queue, w.leads_routed, w.conversations_handled,"
        " w.first_response_median_s, w.first_response_p90_s, w.resolution_median_s, w.resolution_p90_s,"
        f" w.waited_median_s, w.waited_p90_s FROM work w LEFT JOIN {S}.managers m ON m.id = w.manager_id"
        " ORDER BY m.name, w.manager_id, w.queue"
    )
    return await tabled(pool, "operators", sql, q)
