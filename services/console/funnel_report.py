"""The funnel with conversion, read from the stage entries counted per day and the time each deal stayed.

Whole days of the period come from ``stage_days``; the part-days at its ends, and any filter on the
deals themselves (amount, company, source), from ``stage_times``, one row per deal and stage entered.
Times in stage are the median and 90th percentile in hours of what finished: a deal still in a
stage is not in its stage's times.
"""

from __future__ import annotations

import asyncpg

from services.console.report_days import split
from services.console.report_sql import Query, ReportFilter, Table, tabled
from services.console.sales_queries import S
from services.projections.report_totals import EVERYONE


def _on_deals(f: ReportFilter) -> bool:
    """Whether a filter asks about the deals themselves, which the counts per day do not know."""
    return any(v is not None for v in (f.min_amount, f.max_amount, f.company_id, f.source))


def _entries(f: ReportFilter, q: Query) -> str:
    """FROM and WHERE of the stage entries the filters keep (alias ``e``), but their period."""
    if _on_deals(f):
        q.where("d.id = e.deal_id")
        f.deals(q, None)
        tables = f"{S}.stage_times e, {S}.deals d"
    else:
        f.people(q, "e.responsible_id", None)
        tables = f"{S}.stage_times e"
    if f.pipeline_id is not None:
        q.where(f"e.pipeline_id = {q.arg(f.pipeline_id)}")
    return tables


def _counts(f: ReportFilter, q: Query) -> str:
    """SQL of the entries per stage (``later_id`` = ``stage_id``) and per stage reached after it."""
    cut = split(f.since, f.until) if not _on_deals(f) else None
    parts = []
    if cut is None or cut.spans or not cut.whole_days:
        rows = Query()
        rows.args = q.args  # one numbering for the whole statement
        tables = _entries(f, rows)
        within = []
        for since, until in [(f.since, f.until)] if cut is None else list(cut.spans):
            bounds = [f"e.entered_at >= {q.arg(since)}"] if since is not None else []
            bounds += [f"e.entered_at < {q.arg(until)}"] if until is not None else []
            within.append(f"({' AND '.join(bounds) or 'true'})")
        rows.where(f"({' OR '.join(within)})")
        parts.append(
            f"SELECT e.stage_id, later AS later_id, 1 AS deals FROM {tables}"  # noqa: S608 - fixed SQL
            f" CROSS JOIN LATERAL unnest(array_prepend(e.stage_id, e.reached)) AS later{rows.clause}"
        )
    if cut is not None and cut.whole_days:
        days = Query()
        days.args = q.args
        if f.holders is None and f.responsible_id is None and f.department is None:
            days.where(f"x.responsible_id = {days.arg(EVERYONE)}")
        else:
            f.people(days, "x.responsible_id", None)
        if f.pipeline_id is not None:
            days.where(f"x.pipeline_id = {days.arg(f.pipeline_id)}")
        if cut.first is not None:
            days.where(f"x.day >= {days.arg(cut.first)}")
        if cut.end is not None:
            days.where(f"x.day < {days.arg(cut.end)}")
        parts.append(f"SELECT x.stage_id, x.later_stage_id AS later_id, x.deals FROM {S}.stage_days x{days.clause}")  # noqa: S608
    rows_of = " UNION ALL ".join(parts)
    return f"SELECT stage_id, later_id, sum(deals)::bigint AS deals FROM ({rows_of}) c GROUP BY 1, 2"  # noqa: S608


async def funnel_conversion(pool: asyncpg.Pool, f: ReportFilter) -> Table:
    """Of the deals that entered each stage in the period, how many reached each later stage, and their share.

    With the time deals stayed in the stage (from their first entry into it to leaving it), median and
    90th percentile in hours. A deal counts in a stage on its first entry into it; "later" is by the
    pipeline's order now, and a deal reached a later stage when it entered it after that first entry.
    """
    q = Query()
    counts = _counts(f, q)
    times = Query()
    times.args = q.args
    tables = _entries(f, times)
    f.period(times, "e.entered_at")
    # The times are worked out once: inlined, a plan that guessed one or two stages counted worked them
    # out again for each stage, every entry of the period each time.
    sql = (
        f"WITH counts AS ({counts}),"  # noqa: S608 - fixed SQL
        " times AS MATERIALIZED (SELECT e.stage_id,"
        f" percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY e.seconds) AS cuts FROM {tables}{times.clause}"
        " GROUP BY e.stage_id)"
        " SELECT p.id AS pipeline_id, p.name AS pipeline, s.id AS stage_id, s.name AS stage, c.deals AS entered,"
        " round((tm.cuts[1] / 3600)::numeric, 2) AS median_hours, round((tm.cuts[2] / 3600)::numeric, 2) AS p90_hours,"
        " t.id AS later_stage_id, t.name AS later_stage, coalesce(r.deals, 0) AS reached,"
        " round(coalesce(r.deals, 0)::numeric / c.deals, 4) AS share"
        f" FROM counts c JOIN {S}.stages s ON s.id = c.stage_id JOIN {S}.pipelines p ON p.id = s.pipeline_id"
        " LEFT JOIN times tm ON tm.stage_id = c.stage_id"
        f" LEFT JOIN {S}.stages t ON t.pipeline_id = s.pipeline_id AND t.position > s.position"
        " LEFT JOIN counts r ON r.stage_id = c.stage_id AND r.later_id = t.id"
        " WHERE c.later_id = c.stage_id ORDER BY p.name, p.id, s.position, t.position"
    )
    return await tabled(pool, "funnel-conversion", sql, q)
