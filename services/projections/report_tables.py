"""The tables the reports read besides the deals and activities: departments, leads' sources, and operators' work.

A department is a team with a head; a deal's source is its lead's (the lead's source, or its channel
when it has none). ``lead_handling`` holds one row per assignment of a lead: how long it waited, when
its manager first answered, and when it was resolved.

The indexes on the shared tables are the ones the reports' filters and groupings use.
"""

from __future__ import annotations

from services.projections.report_totals import DDL as TOTALS_DDL
from services.projections.report_totals import TOTALS_TABLES

REPORT_TABLES = ("teams", "team_members", "lead_sources", "lead_handling", "lead_waiting", *TOTALS_TABLES)

DDL = (
    """
CREATE TABLE IF NOT EXISTS {s}.teams (
    id uuid PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.team_members (
    team_id uuid NOT NULL,
    manager_id uuid NOT NULL,
    PRIMARY KEY (team_id, manager_id)
);
CREATE INDEX IF NOT EXISTS team_members_manager ON {s}.team_members (manager_id);
CREATE TABLE IF NOT EXISTS {s}.lead_sources (
    lead_id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL,
    source text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.lead_handling (
    lead_id uuid NOT NULL,
    notification_id bigint NOT NULL,
    conversation_id uuid NOT NULL,
    manager_id uuid NOT NULL,
    queue text NOT NULL,
    waited_from timestamptz NOT NULL,
    assigned_at timestamptz NOT NULL,
    first_answer_at timestamptz,
    resolved_at timestamptz,
    -- Of an answered lead: when the latest lead of the same conversation, manager and queue assigned before
    -- it and answered too was assigned (none: it is the first). A period's leads count the conversation
    -- once, on the one whose earlier lead is before the period, without telling the conversations apart.
    answered_earlier_at timestamptz,
    PRIMARY KEY (lead_id, notification_id)
);
-- The operators' report reads a period's leads from these alone: everyone's by time, some managers' by manager.
CREATE INDEX IF NOT EXISTS lead_handling_assigned ON {s}.lead_handling (assigned_at)
    INCLUDE (manager_id, queue, waited_from, first_answer_at, resolved_at, answered_earlier_at);
CREATE INDEX IF NOT EXISTS lead_handling_manager ON {s}.lead_handling (manager_id, assigned_at)
    INCLUDE (queue, waited_from, first_answer_at, resolved_at, answered_earlier_at);
CREATE INDEX IF NOT EXISTS lead_handling_conversation ON {s}.lead_handling (conversation_id);
-- Where a lead waits until it is assigned: its queue, and since when.
CREATE TABLE IF NOT EXISTS {s}.lead_waiting (
    lead_id uuid PRIMARY KEY,
    queue text NOT NULL,
    since timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS deals_closed ON {s}.deals (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS deals_open_closing ON {s}.deals (expected_close) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS deal_stage_history_entered ON {s}.deal_stage_history (pipeline_id, entered_at);
CREATE INDEX IF NOT EXISTS scheduled_activities_done
    ON {s}.scheduled_activities (responsible_id, done_at) WHERE done;
"""
    + TOTALS_DDL
)
