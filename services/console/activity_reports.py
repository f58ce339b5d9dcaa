"""Activities per manager and per department: due, overdue and done, read from the counts kept per day.

Whole days of the period come from ``activity_days``. What a day's count cannot tell is read from the
activities themselves: the part-days at either end of the period, and today, where "overdue" depends
on the time now. An open activity with no due time is counted whatever the period.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.console.report_days import split
from services.console.report_sql import Query, ReportFilter, Table, tabled
from services.console.sales_queries import S


def department_of(manager: str) -> str:
    """SQL for the department (team) of the manager in column ``manager``; the first by name if several."""
    return (
        f"(SELECT min(t.name) FROM {S}.team_members tm JOIN {S}.teams t ON t.id = tm.team_id"  # noqa: S608
        f" WHERE tm.manager_id = {manager})"
    )


def _counts(f: ReportFilter, now: datetime) -> tuple[str, Query]:
    """Per responsible manager: due (or with no due time), overdue and done, as a ``counts`` CTE."""
    q = Query()
    f.people(q, "a.responsible_id", None)
    people = q.conditions
    cut = split(f.since, f.until, now)
    today = q.arg(now.astimezone(UTC).date())
    days = ["a.kind = 'undated'"]
    if cut.whole_days:
        bounds = [f"a.day <> {today}"]
        if cut.first is not None:
            bounds.append(f"a.day >= {q.arg(cut.first)}")
        if cut.end is not None:
            bounds.append(f"a.day < {q.arg(cut.end)}")
        days.append(f"({' AND '.join(bounds)})")
    kept = " AND ".join([*people, f"({' OR '.join(days)})"])
    parts = [
        (
            "SELECT a.responsible_id,"  # noqa: S608 - fixed SQL
            f" sum(a.activities) FILTER (WHERE a.kind = 'undated' OR (a.kind = 'due' AND a.day > {today})) AS due,"
            f" sum(a.activities) FILTER (WHERE a.kind = 'due' AND a.day < {today}) AS overdue,"
            " sum(a.activities) FILTER (WHERE a.kind = 'done') AS done"
            f" FROM {S}.activity_days a WHERE {kept} GROUP BY a.responsible_id"
        )
    ]
    if cut.spans:
        at = q.arg(now)
        spans = []
        for start, stop in cut.spans:
            low, high = q.arg(start), q.arg(stop)
            spans.append(f"(NOT a.done AND a.due_at >= {low} AND a.due_at < {high})")
            spans.append(f"(a.done AND a.done_at >= {low} AND a.done_at < {high})")
        read = " AND ".join([*people, f"({' OR '.join(spans)})"])
        parts.append(
            f"SELECT a.responsible_id, count(*) FILTER (WHERE NOT a.done AND a.due_at >= {at}) AS due,"  # noqa: S608
            f" count(*) FILTER (WHERE NOT a.done AND a.due_at < {at}) AS overdue,"
            f" count(*) FILTER (WHERE a.done) AS done FROM {S}.scheduled_activities a WHERE {read}"
            " GROUP BY a.responsible_id"
        )
    sql = (
        "WITH counts AS (SELECT responsible_id, coalesce(sum(due), 0)::bigint AS due,"  # noqa: S608 - fixed SQL
        " coalesce(sum(overdue), 0)::bigint AS overdue, coalesce(sum(done), 0)::bigint AS done"
        f" FROM ({' UNION ALL '.join(parts)}) c GROUP BY responsible_id)"
    )
    return sql, q


async def activities_by_manager(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per responsible manager: activities due (or without a due time), overdue, and done."""
    counts, q = _counts(f, datetime.now(UTC))
    sql = (
        f"{counts} SELECT c.responsible_id AS manager_id, m.name AS manager,"  # noqa: S608 - fixed SQL
        f" {department_of('c.responsible_id')} AS department, c.due, c.overdue, c.done"
        f" FROM counts c LEFT JOIN {S}.managers m ON m.id = c.responsible_id ORDER BY m.name, c.responsible_id"
    )
    return await tabled(pool, "activities", sql, q)


async def activities_by_department(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Per department of the responsible manager: activities due (or without a due time), overdue, and done."""
    counts, q = _counts(f, datetime.now(UTC))
    sql = (
        f"{counts} SELECT {department_of('c.responsible_id')} AS department, sum(c.due)::bigint AS due,"  # noqa: S608
        " sum(c.overdue)::bigint AS overdue, sum(c.done)::bigint AS done FROM counts c GROUP BY 1 ORDER BY 1"
    )
    return await tabled(pool, "activities-by-department", sql, q)
