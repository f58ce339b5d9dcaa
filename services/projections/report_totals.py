"""Figures kept ahead for the reports that would otherwise read every row of a period on each request.

``activity_days`` counts activities per responsible manager and day: open ones by the day they are
due (or ``undated``), done ones by the day they were done. ``stage_times`` holds one row per deal and
stage it entered: its first entry, how long it stayed (seconds, none while it is still there), and the
stages the deal entered after it; ``stage_days`` counts those entries per day, stage and later stage.

Both are kept by the same rule: before an event that changes an activity or a deal's stages, the
record's share is taken out; after it, the record's share as it now stands is put back. The rule
changes rows through ``Rows``, so the live projection and a replay fold it alike; ``refill`` puts back
every record's share at once in SQL, for histories written straight into the tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.published_event import PublishedEvent
from services.projections.row_shapes import SHAPES
from services.projections.rows import Rows, UnwritableRow
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
-- Everyone's times in each stage, read in the stage's order: the percentiles per stage need no sort first.
CREATE INDEX IF NOT EXISTS stage_times_stage ON {s}.stage_times (stage_id, entered_at) INCLUDE (seconds);
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
EVENTS = frozenset({"Activity.Scheduled", "Activity.Rescheduled", "Activity.Completed"}) | frozenset(
    {"Deal.Opened", "Deal.StageChanged", "Deal.ResponsibleChanged"}
)
_ACTIVITY_EVENTS = frozenset({"Activity.Scheduled", "Activity.Rescheduled", "Activity.Completed"})
_NO_DAY = date.min  # an activity with no day of its own; stored as '-infinity'


async def before(rows: Rows, e: PublishedEvent) -> None:
    """Take out the share of the record ``e`` is about, as it stands before ``e`` is applied."""
    if e.type in _ACTIVITY_EVENTS:
        await _activity_share(rows, e.aggregate_id, -1)
    elif e.type in EVENTS:
        for entry in await rows.where("stage_times", ("deal_id",), e.aggregate_id):
            await _stage_share(rows, entry, -1)


async def after(rows: Rows, e: PublishedEvent) -> None:
    """Put back the share of the record ``e`` is about, as it stands after ``e``."""
    if e.type in _ACTIVITY_EVENTS:
        await _activity_share(rows, e.aggregate_id, 1)
    elif e.type in EVENTS:
        for entry in await rows.where("stage_times", ("deal_id",), e.aggregate_id):
            await rows.delete("stage_times", entry["deal_id"], entry["stage_id"])
        for entry in await _stage_times(rows, e.aggregate_id):
            await rows.put("stage_times", entry)
            await _stage_share(rows, entry, 1)


async def _activity_share(rows: Rows, activity_id: UUID, sign: int) -> None:
    a = await rows.get("scheduled_activities", activity_id)
    if a is None:
        return
    if a["done"]:
        kind, at = "done", a["done_at"]
    else:
        kind, at = ("undated", None) if a["due_at"] is None else ("due", a["due_at"])
    day = _NO_DAY if at is None else _day(at)
    await _count(rows, "activity_days", "activities", sign, responsible_id=a["responsible_id"], kind=kind, day=day)


async def _stage_times(rows: Rows, deal_id: UUID) -> list[dict[str, Any]]:
    """A deal's first entry into each stage, how long it stayed then, and every stage it entered since."""
    deal = await rows.get("deals", deal_id)
    if deal is None:
        return []
    history = sorted(
        await rows.where("deal_stage_history", ("deal_id",), deal_id),
        key=lambda h: (h["entered_at"], h["notification_id"]),
    )
    first: dict[UUID, dict[str, Any]] = {}
    for h in history:
        first.setdefault(h["stage_id"], h)
    return [
        rows.new_row(
            "stage_times",
            deal_id=deal_id,
            stage_id=stage,
            pipeline_id=f["pipeline_id"],
            responsible_id=deal["responsible_id"],
            entered_at=f["entered_at"],
            seconds=None if f["left_at"] is None else (f["left_at"] - f["entered_at"]).total_seconds(),
            reached=sorted(
                {h["stage_id"] for h in history if h["stage_id"] != stage and h["entered_at"] >= f["entered_at"]}
            ),
        )
        for stage, f in first.items()
    ]


async def _stage_share(rows: Rows, entry: dict[str, Any], sign: int) -> None:
    """Count a stage entry on its day under its manager and under everyone: for the stage, and each reached after."""
    day = _day(entry["entered_at"])
    for later in (entry["stage_id"], *entry["reached"]):
        for who in (entry["responsible_id"], EVERYONE):
            await _count(
                rows,
                "stage_days",
                "deals",
                sign,
                responsible_id=who,
                day=day,
                pipeline_id=entry["pipeline_id"],
                stage_id=entry["stage_id"],
                later_stage_id=later,
            )


async def _count(rows: Rows, table: str, column: str, change: int, **key: Any) -> None:  # noqa: ANN401
    """Add ``change`` to the count at ``key``; a count back at zero is no count (a replay never saw it)."""
    at = tuple(key[column] for column in SHAPES[table].key)
    found = await rows.get(table, *at)
    total = change + (0 if found is None else found[column])
    if found is None:
        await rows.insert(table, rows.new_row(table, **key, **{column: total}))
    elif total == 0:
        await rows.delete(table, *at)
    else:
        rows.replace(table, found, **{column: total})


def _day(at: datetime) -> date:
    try:
        return at.astimezone(UTC).date()
    except OverflowError as error:
        # A time past the ends of UTC's calendar: its row could not be stored either, the event is set aside.
        msg = f"{at.isoformat()} has no day in UTC"
        raise UnwritableRow(msg) from error


async def refill(conn: Connection, s: str) -> None:
    """Count every table here afresh from the activities and stage history (for rows copied in directly)."""
    await conn.execute(f"TRUNCATE {s}.activity_days, {s}.stage_times, {s}.stage_days")
    await conn.execute(_ACTIVITY_SHARE.format(s=s, sign=1, where=""))
    await conn.execute(_STAGE_TIMES.format(s=s, where=""))
    await conn.execute(_STAGE_SHARE.format(s=s, sign=1, where=""))
