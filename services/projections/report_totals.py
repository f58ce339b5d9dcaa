"""Figures kept ahead for the reports that would otherwise read every row of a period on each request.

``activity_days`` counts activities per responsible manager and day: open ones by the day they are
due (or ``undated``), done ones by the day they were done. ``stage_times`` holds one row per deal and
stage it entered: its first entry, how long it stayed (seconds, none while it is still there), and the
stages the deal entered after it; ``stage_days`` counts those entries per day, stage and later stage.

Both are kept by the same rule: before an event that changes an activity or a deal's stages, the
record's share is taken out; after it, the record's share as it now stands is put back. What the
projection applies, a replay applies the same way; ``refill`` puts back every record's share at once,
for histories written straight into the tables.
"""

from __future__ import annotations

from uuid import UUID

from domain.published_event import PublishedEvent
from services.tables import Connection

TOTALS_TABLES = ("activity_days", "stage_times", "stage_days")
EVERYONE = UUID(int=0)  # the responsible of ``stage_days`` rows that count every manager's deals

DDL = """
CREATE TABLE IF NOT EXISTS {s}.activity_days (
    responsible_id uuid NOT NULL,
    kind text NOT NULL,
    day date NOT NULL,
    activities integer NOT NULL,
    PRIMARY KEY (responsible_id, kind, day)
);
CREATE INDEX IF NOT EXISTS activity_days_day ON {s}.activity_days (day, kind);
CREATE TABLE IF NOT EXISTS {s}.stage_times (
    deal_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    pipeline_id uuid NOT NULL,
    responsible_id uuid NOT NULL,
    entered_at timestamptz NOT NULL,
    seconds double precision,
    reached uuid[] NOT NULL,
    PRIMARY KEY (deal_id, stage_id)
);
CREATE INDEX IF NOT EXISTS stage_times_entered ON {s}.stage_times (entered_at);
CREATE INDEX IF NOT EXISTS stage_times_responsible ON {s}.stage_times (responsible_id, entered_at);
-- Deals that first entered a stage on a day (later_stage_id = stage_id), and of those, how many entered
-- each other stage after; per responsible manager, and for everyone (responsible_id all zeros).
CREATE TABLE IF NOT EXISTS {s}.stage_days (
    responsible_id uuid NOT NULL,
    day date NOT NULL,
    pipeline_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    later_stage_id uuid NOT NULL,
    deals integer NOT NULL,
    PRIMARY KEY (responsible_id, day, pipeline_id, stage_id, later_stage_id)
);
-- The orders the list reports are paged in.
CREATE INDEX IF NOT EXISTS deals_won_closed ON {s}.deals (closed_at, id) WHERE outcome = 'won';
CREATE INDEX IF NOT EXISTS deals_open_expected ON {s}.deals (expected_close, id) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS scheduled_activities_due_at ON {s}.scheduled_activities (due_at) WHERE NOT done;
CREATE INDEX IF NOT EXISTS scheduled_activities_done_at ON {s}.scheduled_activities (done_at) WHERE done;
"""

_ACTIVITY_KEY = (
    "SELECT a.responsible_id, CASE WHEN a.done THEN 'done' WHEN a.due_at IS NULL THEN 'undated' ELSE 'due' END AS kind,"
    " coalesce((CASE WHEN a.done THEN a.done_at ELSE a.due_at END AT TIME ZONE 'UTC')::date, '-infinity'::date)"
    " AS day FROM {s}.scheduled_activities a{where}"
)
_ACTIVITY_SHARE = (
    "INSERT INTO {s}.activity_days (responsible_id, kind, day, activities)"  # noqa: S608 - fixed SQL
    " SELECT k.responsible_id, k.kind, k.day, {sign} * count(*) FROM (" + _ACTIVITY_KEY + ") k GROUP BY 1, 2, 3"
    " ON CONFLICT (responsible_id, kind, day) DO UPDATE SET activities = activity_days.activities + EXCLUDED.activities"
)
# A deal's first entry into each stage, how long it stayed then, and every stage it entered since.
_STAGE_TIMES = (
    "INSERT INTO {s}.stage_times (deal_id, stage_id, pipeline_id, responsible_id, entered_at, seconds, reached)"
    " SELECT f.deal_id, f.stage_id, f.pipeline_id, d.responsible_id, f.entered_at,"
    " extract(epoch FROM f.left_at - f.entered_at),"
    " coalesce((SELECT array_agg(DISTINCT l.stage_id ORDER BY l.stage_id) FROM {s}.deal_stage_history l"
    " WHERE l.deal_id = f.deal_id AND l.stage_id <> f.stage_id AND l.entered_at >= f.entered_at), '{{}}')"
    " FROM (SELECT DISTINCT ON (h.deal_id, h.stage_id) h.deal_id, h.stage_id, h.pipeline_id, h.entered_at, h.left_at"
    " FROM {s}.deal_stage_history h{where} ORDER BY h.deal_id, h.stage_id, h.entered_at, h.notification_id) f"
    " JOIN {s}.deals d ON d.id = f.deal_id"
)
# Each stage entry counted on its day under its manager and under everyone: once for the stage itself,
# once for each stage entered after it.
_STAGE_KEYS = (
    "SELECT w.who AS responsible_id, (e.entered_at AT TIME ZONE 'UTC')::date AS day, e.pipeline_id, e.stage_id,"
    " later AS later_stage_id FROM {s}.stage_times e"
    " CROSS JOIN LATERAL unnest(array_prepend(e.stage_id, e.reached)) AS later"
    " CROSS JOIN LATERAL (VALUES (e.responsible_id), ('00000000-0000-0000-0000-000000000000'::uuid)) AS w(who){where}"
)
_STAGE_SHARE = (
    "INSERT INTO {s}.stage_days (responsible_id, day, pipeline_id, stage_id, later_stage_id, deals)"  # noqa: S608 - fixed SQL
    " SELECT k.responsible_id, k.day, k.pipeline_id, k.stage_id, k.later_stage_id, {sign} * count(*)"
    " FROM (" + _STAGE_KEYS + ") k GROUP BY 1, 2, 3, 4, 5"
    " ON CONFLICT (responsible_id, day, pipeline_id, stage_id, later_stage_id)"
    " DO UPDATE SET deals = stage_days.deals + EXCLUDED.deals"
)
# A count back at zero is no count: a replay that never saw the record has no row either.
_NO_STAGE_ZEROS = (
    "DELETE FROM {s}.stage_days t USING (" + _STAGE_KEYS + ") k WHERE t.deals = 0"  # noqa: S608 - fixed SQL
    " AND (t.responsible_id, t.day, t.pipeline_id, t.stage_id, t.later_stage_id)"
    " = (k.responsible_id, k.day, k.pipeline_id, k.stage_id, k.later_stage_id)"
)
_NO_ACTIVITY_ZEROS = (
    "DELETE FROM {s}.activity_days t USING (" + _ACTIVITY_KEY + ") k WHERE t.activities = 0"  # noqa: S608 - fixed SQL
    " AND (t.responsible_id, t.kind, t.day) = (k.responsible_id, k.kind, k.day)"
)
_ACTIVITY_EVENTS = frozenset({"Activity.Scheduled", "Activity.Rescheduled", "Activity.Completed"})
_DEAL_EVENTS = frozenset({"Deal.Opened", "Deal.StageChanged", "Deal.ResponsibleChanged"})


async def before(conn: Connection, s: str, e: PublishedEvent) -> None:
    """Take out the share of the record ``e`` is about, as it stands before ``e`` is applied."""
    if e.type in _ACTIVITY_EVENTS:
        await _activity_share(conn, s, e.aggregate_id, -1)
    elif e.type in _DEAL_EVENTS:
        await conn.execute(_STAGE_SHARE.format(s=s, sign=-1, where=" WHERE e.deal_id = $1"), e.aggregate_id)
        await conn.execute(_NO_STAGE_ZEROS.format(s=s, where=" WHERE e.deal_id = $1"), e.aggregate_id)


async def after(conn: Connection, s: str, e: PublishedEvent) -> None:
    """Put back the share of the record ``e`` is about, as it stands after ``e``."""
    if e.type in _ACTIVITY_EVENTS:
        await _activity_share(conn, s, e.aggregate_id, 1)
    elif e.type in _DEAL_EVENTS:
        await conn.execute(f"DELETE FROM {s}.stage_times WHERE deal_id = $1", e.aggregate_id)  # noqa: S608
        await conn.execute(_STAGE_TIMES.format(s=s, where=" WHERE h.deal_id = $1"), e.aggregate_id)
        await conn.execute(_STAGE_SHARE.format(s=s, sign=1, where=" WHERE e.deal_id = $1"), e.aggregate_id)


async def _activity_share(conn: Connection, s: str, activity_id: UUID, sign: int) -> None:
    where = " WHERE a.id = $1"
    await conn.execute(_ACTIVITY_SHARE.format(s=s, sign=sign, where=where), activity_id)
    if sign < 0:
        await conn.execute(_NO_ACTIVITY_ZEROS.format(s=s, where=where), activity_id)


async def refill(conn: Connection, s: str) -> None:
    """Count every table here afresh from the activities and stage history (for rows copied in directly)."""
    await conn.execute(f"TRUNCATE {s}.activity_days, {s}.stage_times, {s}.stage_days")
    await conn.execute(_ACTIVITY_SHARE.format(s=s, sign=1, where=""))
    await conn.execute(_STAGE_TIMES.format(s=s, where=""))
    await conn.execute(_STAGE_SHARE.format(s=s, sign=1, where=""))
