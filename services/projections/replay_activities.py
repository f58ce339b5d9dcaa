"""A replay's activities, written by PostgreSQL straight from the stored events.

An activity's events (scheduled, moved, done, a call noted, a reminder fired) touch only its own row
and its subject's timeline, and no other rule reads either while a replay applies pages. So a replay
leaves them out of the pages Python applies; the transaction that writes a page folds the page's
events of each activity into its row and adds their timeline entries, with one statement over the
page's stored JSON, on PostgreSQL's core while Python applies the next page. The rows Python wrote
for the page before are in by then, and pages commit in order: an activity's events are applied in
the order they were stored, as the rules of ``activities_view`` apply them live.

An activity with an event whose JSON PostgreSQL cannot read as the rules do (text holding NUL or a
lone surrogate, NaN) is left to the rules for the whole range a call of the replay's main loop
covers, each of its events in its place in the pages: it is never part rules and part SQL in one page.
The property test that a replayed read model equals the live one holds both ways to one meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eventsourcing.utils import get_topic

from domain.activity import Activity
from services.projections.event_log import EVENTS_TABLE
from services.projections.read_models import ReadModel
from services.projections.replay_messages import CLEAN, untagged
from services.projections.schema import checked
from services.tables import Connection

_TOPIC = get_topic(Activity)
SCHEDULED, RESCHEDULED, COMPLETED, CALL_NOTED, REMINDER_FIRED = (
    f"{_TOPIC}.{name}" for name in ("Scheduled", "Rescheduled", "Completed", "CallNoted", "ReminderFired")
)
TOPICS = (SCHEDULED, RESCHEDULED, COMPLETED, CALL_NOTED, REMINDER_FIRED)

# The activities left to the rules in the range being replayed, beside the next version's tables.
_LEFT_TABLE = "CREATE TABLE IF NOT EXISTS {s}.replay_rules_activities (id uuid PRIMARY KEY)"
_LEFT = f"""
INSERT INTO {{s}}.replay_rules_activities (id)
SELECT DISTINCT originator_id FROM {EVENTS_TABLE}
WHERE notification_id > $1 AND notification_id <= $2 AND topic = ANY($3::text[]) AND NOT ({CLEAN})
ON CONFLICT (id) DO NOTHING
"""  # noqa: S608 - fixed names
# The condition a stored activity event meets when this module writes it (the pages leave it out).
_WRITTEN_HERE = "NOT EXISTS (SELECT 1 FROM {s}.replay_rules_activities AS r WHERE r.id = originator_id)"


def _time(value: str) -> str:
    return f"({untagged(value)})::timestamptz"


def _json(value: str) -> str:
    """A stored value as the relay publishes it, as JSON: an id or a time as text, null for none."""
    return f"CASE WHEN jsonb_typeof({value}) = 'object' THEN to_jsonb({untagged(value)}) ELSE {value} END"


# The page's activity events in order, each stored value read once (an id or a time untagged); each
# activity as it stood before them (its row, or its scheduling in this page); what its later events
# make of it; then the row written and the entries.
_ACTIVITIES = f"""
WITH page AS MATERIALIZED (
    SELECT n, id, version, topic, d, {_json("d -> 'by'")} AS by, {_json("d -> 'due_at'")} AS due,
        {_json("d -> 'remind_at'")} AS remind, {_time("d -> 'at'")} AS at,
        CASE WHEN topic = $7 THEN jsonb_build_object(
            'line', {_json("d -> 'line'")}, 'extension', {_json("d -> 'extension'")},
            'duration_seconds', {_json("d -> 'duration_seconds'")}, 'disposition', {_json("d -> 'disposition'")},
            'recording_url', {_json("d -> 'recording_url'")},
            'recording_seconds', {_json("d -> 'recording_seconds'")}
        ) END AS call
    FROM (
        SELECT notification_id AS n, originator_id AS id, originator_version AS version, topic,
            convert_from(state, 'UTF8')::jsonb AS d
        FROM {EVENTS_TABLE}
        WHERE notification_id > $1 AND notification_id <= $2 AND topic = ANY($3::text[])
            AND {_WRITTEN_HERE}
        OFFSET 0  -- each event's JSON parsed once, not once for each value read from it
    ) AS stored
), scheduled AS (
    SELECT n, id, version, d, by, due, at, d ->> 'subject_kind' AS subject_kind,
        ({untagged("d -> 'subject_id'")})::uuid AS subject_id, (remind #>> '{{}}')::timestamptz AS remind_at
    FROM page WHERE topic = $4
), known AS (
    SELECT id, kind, title, subject_kind, subject_id, remind_at, reminder_fired_at AS fired, false AS new
    FROM {{s}}.scheduled_activities WHERE id IN (SELECT id FROM page WHERE topic <> $4)
        AND id NOT IN (SELECT id FROM scheduled)
    UNION ALL
    (SELECT DISTINCT ON (id) id, d ->> 'kind', d ->> 'title', subject_kind, subject_id, remind_at, NULL, true
    FROM scheduled ORDER BY id, n)
), later AS (
    SELECT p.n, p.id, p.version, p.topic, p.d, p.by, p.due, p.remind, p.at, p.call,
        k.remind_at AS remind_before, k.fired AS fired_before,
        CASE WHEN p.topic = $5 THEN (p.remind #>> '{{}}')::timestamptz END AS remind_at
    FROM page AS p JOIN known AS k ON k.id = p.id
    WHERE p.topic <> $4
), moved AS (
    -- A move that changes when to remind: a reminder fired before it is to fire again.
    SELECT id, n, remind_at IS DISTINCT FROM lag(remind_at, 1, remind_before) OVER (PARTITION BY id ORDER BY n)
        AS anew
    FROM later WHERE topic = $5
), folded AS (
    SELECT l.id, (array_agg(l.version ORDER BY l.n DESC))[1] AS version,
        bool_or(l.topic = $5) AS rescheduled,
        (array_agg((l.due #>> '{{}}')::timestamptz ORDER BY l.n DESC) FILTER (WHERE l.topic = $5))[1] AS due_at,
        (array_agg(l.remind_at ORDER BY l.n DESC) FILTER (WHERE l.topic = $5))[1] AS remind_at,
        bool_or(l.topic = $6) AS completed,
        (array_agg(l.at ORDER BY l.n DESC) FILTER (WHERE l.topic = $6))[1] AS done_at,
        (array_agg(l.d ->> 'result' ORDER BY l.n DESC) FILTER (WHERE l.topic = $6))[1] AS result,
        bool_or(l.topic = $7) AS called,
        (array_agg(l.call ORDER BY l.n DESC) FILTER (WHERE l.topic = $7))[1] AS call,
        max(l.n) FILTER (WHERE l.topic = $8) AS fired_n,
        (array_agg(l.at ORDER BY l.n DESC) FILTER (WHERE l.topic = $8))[1] AS fired_at,
        max(m.n) FILTER (WHERE m.anew) AS anew_n,
        (array_agg(l.fired_before))[1] AS fired_before
    FROM later AS l LEFT JOIN moved AS m ON m.n = l.n
    GROUP BY l.id
), fired AS (
    SELECT id, CASE WHEN anew_n > coalesce(fired_n, 0) THEN NULL WHEN fired_n IS NOT NULL THEN fired_at
        ELSE fired_before END AS at
    FROM folded
), added AS (
    INSERT INTO {{s}}.scheduled_activities (id, kind, call_back, title, description, subject_kind, subject_id,
        responsible_id, due_at, remind_at, reminder_fired_at, done, done_at, result, scheduled_at, scheduled_by,
        version, call)
    SELECT DISTINCT ON (s.id) s.id, s.d ->> 'kind', (s.d -> 'call_back')::boolean, s.d ->> 'title',
        s.d ->> 'description', s.subject_kind, s.subject_id, ({untagged("s.d -> 'responsible_id'")})::uuid,
        CASE WHEN f.rescheduled THEN f.due_at ELSE (s.due #>> '{{}}')::timestamptz END,
        CASE WHEN f.rescheduled THEN f.remind_at ELSE s.remind_at END,
        fired.at, coalesce(f.completed, false), f.done_at, coalesce(f.result, ''),
        s.at, (s.by #>> '{{}}')::uuid, coalesce(f.version, s.version), f.call
    FROM scheduled AS s LEFT JOIN folded AS f ON f.id = s.id LEFT JOIN fired ON fired.id = s.id
    ORDER BY s.id, s.n
    ON CONFLICT (id) DO NOTHING
), changed AS (
    UPDATE {{s}}.scheduled_activities AS a SET
        due_at = CASE WHEN f.rescheduled THEN f.due_at ELSE a.due_at END,
        remind_at = CASE WHEN f.rescheduled THEN f.remind_at ELSE a.remind_at END,
        reminder_fired_at = fired.at,
        done = a.done OR f.completed,
        done_at = CASE WHEN f.completed THEN f.done_at ELSE a.done_at END,
        result = CASE WHEN f.completed THEN f.result ELSE a.result END,
        call = CASE WHEN f.called THEN f.call ELSE a.call END,
        version = f.version
    FROM folded AS f JOIN fired ON fired.id = f.id JOIN known AS k ON k.id = f.id AND NOT k.new
    WHERE a.id = f.id
)
INSERT INTO {{s}}.timeline (subject_kind, subject_id, notification_id, at, kind, summary)
SELECT s.subject_kind, s.subject_id, s.n, coalesce(s.at, {_time("s.d -> 'timestamp'")}), 'Activity.Scheduled',
    jsonb_build_object('activity_id', s.id::text, 'kind', s.d -> 'kind', 'call_back', s.d -> 'call_back',
        'title', s.d -> 'title', 'due_at', s.due, 'responsible_id', {_json("s.d -> 'responsible_id'")}, 'by', s.by)
FROM scheduled AS s
UNION ALL
SELECT k.subject_kind, k.subject_id, l.n, coalesce(l.at, {_time("l.d -> 'timestamp'")}),
    substr(l.topic, strpos(l.topic, ':') + 1),
    jsonb_build_object('activity_id', l.id::text, 'kind', k.kind, 'title', k.title, 'by', l.by)
    || CASE l.topic
        WHEN $5 THEN jsonb_build_object('due_at', l.due, 'remind_at', l.remind,
            'previous_due_at', {_json("l.d -> 'previous_due_at'")})
        WHEN $6 THEN jsonb_build_object('result', l.d -> 'result')
        ELSE jsonb_build_object('call', l.call)
    END
FROM later AS l JOIN known AS k ON k.id = l.id
WHERE l.topic <> $8
"""  # noqa: S608 - fixed names


@dataclass
class Activities:
    """A replay's activities as PostgreSQL writes them into ``schema``."""

    schema: str

    @staticmethod
    def for_models(schema: str, models: Iterable[ReadModel]) -> Activities | None:
        """The writer for ``models``, or None when they do not keep activities."""
        if not any("scheduled_activities" in model.tables for model in models):
            return None
        return Activities(checked(schema))

    def left_out(self) -> tuple[list[str], str]:
        """The stored events the pages leave out for this writer: their topics, and the condition they meet."""
        return list(TOPICS), _WRITTEN_HERE.replace("{s}", self.schema)

    async def prepare(self, conn: Connection, after: int, up_to: int) -> None:
        """Leave to the rules each activity with an event after ``after`` up to ``up_to`` SQL cannot read as they do."""
        await conn.execute(_LEFT_TABLE.replace("{s}", self.schema))
        await conn.execute(_LEFT.replace("{s}", self.schema), after, up_to, list(TOPICS))

    async def write(self, conn: Connection, after: int, up_to: int) -> None:
        """Fold the activity events stored after ``after`` up to ``up_to`` into their rows and timelines."""
        await conn.execute(
            _ACTIVITIES.replace("{s}", self.schema),
            after,
            up_to,
            list(TOPICS),
            SCHEDULED,
            RESCHEDULED,
            COMPLETED,
            CALL_NOTED,
            REMINDER_FIRED,
        )
