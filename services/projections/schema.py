"""The read models' tables, created in a schema of their own.

A replay fills a second schema from the event store, so the live one keeps
serving while it runs.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import asyncpg

from services.projections.forms_view import FORM_TABLES
from services.projections.forms_view import TABLES as FORMS_DDL
from services.projections.report_tables import DDL as REPORT_DDL
from services.projections.report_tables import REPORT_TABLES
from services.tables import Connection, ensure_tables

LIVE_SCHEMA = "read_models_v11"  # a new shape gets a new name and is built from offset zero

__all__ = ["LIVE_SCHEMA", "Connection", "create_read_models"]

_TABLES = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.position (
    projection text PRIMARY KEY,
    notification_id bigint NOT NULL,
    kafka_offset bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.conversations (
    id uuid PRIMARY KEY,
    channel text NOT NULL,
    thread text NOT NULL,
    address text NOT NULL,
    contact_id uuid NOT NULL,
    status text NOT NULL,
    lead_id uuid,
    manager_id uuid,
    lead_status text NOT NULL DEFAULT 'new',
    offered_to uuid[] NOT NULL DEFAULT '{{}}',
    offer_expires_at timestamptz,
    message_count integer NOT NULL DEFAULT 0,
    last_message text,
    last_message_at timestamptz,
    opened_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_manager ON {s}.conversations (manager_id);
CREATE TABLE IF NOT EXISTS {s}.messages (
    notification_id bigint PRIMARY KEY,
    conversation_id uuid NOT NULL,
    message_id text NOT NULL,
    author text NOT NULL,
    manager_id uuid,
    text text NOT NULL,
    at timestamptz NOT NULL,
    subject text NOT NULL DEFAULT '',
    attachments jsonb NOT NULL DEFAULT '[]',
    delivery text,
    delivery_detail text
);
CREATE INDEX IF NOT EXISTS messages_attachments ON {s}.messages USING gin (attachments jsonb_path_ops);
CREATE INDEX IF NOT EXISTS messages_conversation ON {s}.messages (conversation_id, notification_id);
-- A record's timeline reads each of its conversations' messages in order, a page at a time.
CREATE INDEX IF NOT EXISTS messages_timeline ON {s}.messages (conversation_id, at, notification_id)
    WHERE author IN ('customer', 'manager');
-- When the customer last edited the message (a messenger's edit); its text is the edited one.
ALTER TABLE {s}.messages ADD COLUMN IF NOT EXISTS edited_at timestamptz;
CREATE TABLE IF NOT EXISTS {s}.assignments (
    lead_id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL,
    manager_id uuid NOT NULL,
    assigned_at timestamptz NOT NULL,
    reasons jsonb NOT NULL,
    answer_by timestamptz,
    answered boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS assignments_unanswered ON {s}.assignments (answer_by) WHERE NOT answered;
CREATE TABLE IF NOT EXISTS {s}.managers (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    work_day text NOT NULL,
    capacity integer NOT NULL,
    open_leads integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS {s}.activities (
    notification_id bigint PRIMARY KEY,
    contact_id uuid NOT NULL,
    kind text NOT NULL,
    message_id text NOT NULL,
    subject text NOT NULL,
    text text NOT NULL,
    manager_id uuid,
    attachments jsonb NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_contact ON {s}.activities (contact_id, at);
-- Who forwarded a customer's mail to the CRM address when that was no manager (their address).
ALTER TABLE {s}.activities ADD COLUMN IF NOT EXISTS forwarded_by text NOT NULL DEFAULT '';
-- The sales read models: pipelines and products, deals with their lines and stage history, activities.
CREATE TABLE IF NOT EXISTS {s}.pipelines (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.stages (
    id uuid PRIMARY KEY,
    pipeline_id uuid NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    probability integer NOT NULL,
    position integer NOT NULL
);
CREATE INDEX IF NOT EXISTS stages_pipeline ON {s}.stages (pipeline_id, position);
CREATE TABLE IF NOT EXISTS {s}.products (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    sku text NOT NULL,
    category text NOT NULL,
    price numeric NOT NULL,
    currency text NOT NULL,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.deals (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    pipeline_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    stage_kind text NOT NULL,
    amount numeric NOT NULL,
    currency text NOT NULL,
    amount_set_by_hand boolean NOT NULL,
    lines_total numeric NOT NULL DEFAULT 0,
    probability integer NOT NULL,
    expected_close date,
    contact_id uuid,
    company_id uuid,
    lead_id uuid,
    responsible_id uuid NOT NULL,
    observers uuid[] NOT NULL DEFAULT '{{}}',
    opened_at timestamptz NOT NULL,
    stage_entered_at timestamptz NOT NULL,
    closed_at timestamptz,
    outcome text,
    lost_reason text NOT NULL DEFAULT '',
    version integer NOT NULL,
    -- Whose the deal was before it last changed hands (a new responsible, an observer removed): the
    -- consoles that could see it then and cannot now are told it is gone from them.
    former_responsible_id uuid,
    former_observers uuid[] NOT NULL DEFAULT '{{}}'
);
CREATE INDEX IF NOT EXISTS deals_responsible ON {s}.deals (responsible_id, opened_at);
CREATE INDEX IF NOT EXISTS deals_observers ON {s}.deals USING gin (observers);
CREATE INDEX IF NOT EXISTS deals_stage ON {s}.deals (pipeline_id, stage_id);
CREATE INDEX IF NOT EXISTS deals_opened ON {s}.deals (opened_at, id);
-- A contact's, company's or lead's timeline reads its deals' entries (``timeline_deals``).
CREATE INDEX IF NOT EXISTS deals_contact ON {s}.deals (contact_id);
CREATE INDEX IF NOT EXISTS deals_company ON {s}.deals (company_id);
CREATE INDEX IF NOT EXISTS deals_lead ON {s}.deals (lead_id);
CREATE TABLE IF NOT EXISTS {s}.deal_lines (
    deal_id uuid NOT NULL,
    line_id uuid NOT NULL,
    product_id uuid,
    name text NOT NULL,
    price numeric NOT NULL,
    quantity numeric NOT NULL,
    discount_percent numeric NOT NULL,
    tax_percent numeric NOT NULL,
    total numeric NOT NULL,
    added_at bigint NOT NULL,
    PRIMARY KEY (deal_id, line_id)
);
-- One row per stage a deal entered (its opening, then each move): how long it stayed, and why it left.
CREATE TABLE IF NOT EXISTS {s}.deal_stage_history (
    deal_id uuid NOT NULL,
    notification_id bigint NOT NULL,
    pipeline_id uuid NOT NULL,
    from_stage_id uuid,
    stage_id uuid NOT NULL,
    stage_name text NOT NULL,
    stage_kind text NOT NULL,
    entered_at timestamptz NOT NULL,
    left_at timestamptz,
    reason text NOT NULL DEFAULT '',
    reopened boolean NOT NULL DEFAULT false,
    amount numeric NOT NULL,
    currency text NOT NULL,
    responsible_id uuid NOT NULL,
    by uuid,
    PRIMARY KEY (deal_id, notification_id)
);
CREATE INDEX IF NOT EXISTS deal_stage_history_stage ON {s}.deal_stage_history (stage_id, entered_at);
CREATE TABLE IF NOT EXISTS {s}.scheduled_activities (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    call_back boolean NOT NULL,
    title text NOT NULL,
    description text NOT NULL,
    subject_kind text NOT NULL,
    subject_id uuid NOT NULL,
    responsible_id uuid NOT NULL,
    due_at timestamptz,
    remind_at timestamptz,
    reminder_fired_at timestamptz,
    done boolean NOT NULL DEFAULT false,
    done_at timestamptz,
    result text NOT NULL DEFAULT '',
    scheduled_at timestamptz NOT NULL,
    scheduled_by uuid NOT NULL,
    version integer NOT NULL
);
CREATE INDEX IF NOT EXISTS scheduled_activities_open
    ON {s}.scheduled_activities (responsible_id, due_at) WHERE NOT done;
CREATE INDEX IF NOT EXISTS scheduled_activities_subject ON {s}.scheduled_activities (subject_kind, subject_id);
-- What a telephone line reported of a call activity's call: duration, how it ended, its recording.
ALTER TABLE {s}.scheduled_activities ADD COLUMN IF NOT EXISTS call jsonb;
-- Everything that happened with a contact, company, lead or deal, in the order it happened.
CREATE TABLE IF NOT EXISTS {s}.timeline (
    subject_kind text NOT NULL,
    subject_id uuid NOT NULL,
    notification_id bigint NOT NULL,
    at timestamptz NOT NULL,
    kind text NOT NULL,
    summary jsonb NOT NULL
);
-- A record's entries in order, and each event once on a record's timeline (an event has one time):
-- one index for both, which a replay makes once its rows are in.
CREATE UNIQUE INDEX IF NOT EXISTS timeline_order ON {s}.timeline (subject_kind, subject_id, at, notification_id);
-- No query picks rows by what a message says, a summary or a routing's reasons hold: the planner keeps
-- no statistics of them, which spares every ANALYZE reading and sorting the largest values.
ALTER TABLE {s}.timeline ALTER COLUMN summary SET STATISTICS 0;
ALTER TABLE {s}.assignments ALTER COLUMN reasons SET STATISTICS 0;
ALTER TABLE {s}.messages ALTER COLUMN text SET STATISTICS 0;
ALTER TABLE {s}.messages ALTER COLUMN subject SET STATISTICS 0;
-- People and leads as they stand now: contacts (a merged one names its survivor), companies, leads, and the
-- duplicates suggested among contacts.
CREATE TABLE IF NOT EXISTS {s}.contacts (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    phones jsonb NOT NULL DEFAULT '[]',
    emails text[] NOT NULL DEFAULT '{{}}',
    messenger_ids text[] NOT NULL DEFAULT '{{}}',
    company_id uuid,
    responsible_id uuid,
    source text NOT NULL DEFAULT '',
    vip boolean NOT NULL DEFAULT false,
    language text NOT NULL DEFAULT '',
    region text NOT NULL DEFAULT '',
    tags text[] NOT NULL DEFAULT '{{}}',
    custom_fields jsonb NOT NULL DEFAULT '{{}}',
    merged_into uuid,
    merged_from uuid[] NOT NULL DEFAULT '{{}}',
    created_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_listed ON {s}.contacts (created_at, id) WHERE merged_into IS NULL;
CREATE INDEX IF NOT EXISTS contacts_responsible ON {s}.contacts (responsible_id);
CREATE INDEX IF NOT EXISTS contacts_company ON {s}.contacts (company_id);
CREATE INDEX IF NOT EXISTS contacts_tags ON {s}.contacts USING gin (tags);
CREATE TABLE IF NOT EXISTS {s}.companies (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    domain text NOT NULL DEFAULT '',
    address text NOT NULL DEFAULT '',
    industry text NOT NULL DEFAULT '',
    phones jsonb NOT NULL DEFAULT '[]',
    emails text[] NOT NULL DEFAULT '{{}}',
    responsible_id uuid,
    created_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE INDEX IF NOT EXISTS companies_listed ON {s}.companies (created_at, id);
CREATE TABLE IF NOT EXISTS {s}.leads (
    id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    channel text NOT NULL,
    source text NOT NULL,
    status text NOT NULL,
    manager_id uuid,
    qualification text NOT NULL DEFAULT 'new',
    junk_reason text NOT NULL DEFAULT '',
    amount numeric,
    currency text NOT NULL DEFAULT '',
    product_interest text NOT NULL DEFAULT '',
    comment text NOT NULL DEFAULT '',
    conversations uuid[] NOT NULL,
    arrived_at timestamptz,
    created_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE INDEX IF NOT EXISTS leads_listed ON {s}.leads (created_at, id);
CREATE INDEX IF NOT EXISTS leads_manager ON {s}.leads (manager_id);
CREATE INDEX IF NOT EXISTS leads_contact ON {s}.leads (contact_id);
-- Where a lead not yet taken stands: whose queue it waits in, and who it is on offer to now.
ALTER TABLE {s}.leads ADD COLUMN IF NOT EXISTS queue text;
ALTER TABLE {s}.leads ADD COLUMN IF NOT EXISTS offered_to uuid[] NOT NULL DEFAULT '{{}}';
-- Whose a contact, company or lead was before it last changed hands (for a lead: its manager, offers
-- and queue where it had a place; null offers: it has had one place only): consoles that could see it
-- then and cannot now are told it is gone from them.
ALTER TABLE {s}.contacts ADD COLUMN IF NOT EXISTS former_responsible_id uuid;
ALTER TABLE {s}.companies ADD COLUMN IF NOT EXISTS former_responsible_id uuid;
ALTER TABLE {s}.leads ADD COLUMN IF NOT EXISTS former_manager_id uuid;
ALTER TABLE {s}.leads ADD COLUMN IF NOT EXISTS former_offered_to uuid[];
ALTER TABLE {s}.leads ADD COLUMN IF NOT EXISTS former_queue text;
CREATE TABLE IF NOT EXISTS {s}.duplicate_suggestions (
    id uuid PRIMARY KEY,
    contact_ids uuid[] NOT NULL,
    reasons jsonb NOT NULL,
    status text NOT NULL,
    suggested_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE INDEX IF NOT EXISTS duplicate_suggestions_contacts ON {s}.duplicate_suggestions USING gin (contact_ids);
-- What each converted lead became: its contact, company and deal (null: not into that).
CREATE TABLE IF NOT EXISTS {s}.lead_conversions (
    lead_id uuid PRIMARY KEY,
    contact_id uuid,
    company_id uuid,
    deal_id uuid,
    converted_at timestamptz NOT NULL,
    converted_by uuid
);
-- A record's timeline reads the messages of its conversations through these (``timeline_messages``).
CREATE INDEX IF NOT EXISTS lead_conversions_contact ON {s}.lead_conversions (contact_id);
CREATE INDEX IF NOT EXISTS lead_conversions_company ON {s}.lead_conversions (company_id);
CREATE INDEX IF NOT EXISTS lead_conversions_deal ON {s}.lead_conversions (deal_id);
CREATE INDEX IF NOT EXISTS conversations_contact ON {s}.conversations (contact_id);
CREATE INDEX IF NOT EXISTS conversations_lead ON {s}.conversations (lead_id);
-- The chat: colleagues invited in, the customer's name as they gave it, the visitor's rating.
ALTER TABLE {s}.conversations ADD COLUMN IF NOT EXISTS participants uuid[] NOT NULL DEFAULT '{{}}';
ALTER TABLE {s}.conversations ADD COLUMN IF NOT EXISTS customer_name text NOT NULL DEFAULT '';
ALTER TABLE {s}.conversations ADD COLUMN IF NOT EXISTS closed_by uuid;
ALTER TABLE {s}.conversations ADD COLUMN IF NOT EXISTS rating integer;
ALTER TABLE {s}.conversations ADD COLUMN IF NOT EXISTS rating_comment text NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS {s}.pins (
    manager_id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    pinned_at timestamptz NOT NULL,
    PRIMARY KEY (manager_id, conversation_id)
);
CREATE TABLE IF NOT EXISTS {s}.canned_replies (
    id uuid PRIMARY KEY,
    owner text NOT NULL,
    shortcut text NOT NULL,
    text text NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS canned_replies_owner ON {s}.canned_replies (owner, shortcut);
"""

READ_MODEL_TABLES = (
    *("conversations", "messages", "assignments", "managers", "activities"),
    *("pipelines", "stages", "products", "deals", "deal_lines", "deal_stage_history"),
    *("scheduled_activities", "timeline"),
    *("contacts", "companies", "leads", "duplicate_suggestions"),
    "lead_conversions",
    *REPORT_TABLES,
    *FORM_TABLES,
    *("pins", "canned_replies"),
)


def checked(schema: str) -> str:
    """A schema name safe to put in SQL, or ValueError."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        msg = f"schema name {schema!r} must be lower-case letters, digits and underscores"
        raise ValueError(msg)
    return schema


async def create_read_models(pool: asyncpg.Pool, schema: str, *, indexes: bool = True) -> None:
    """Create the read-model tables in ``schema`` if they are missing.

    Without ``indexes`` only the tables and their primary keys are made: a replay fills them faster
    so, and makes the indexes (unique ones too) once it is done.
    """
    for ddl in (_TABLES, REPORT_DDL, FORMS_DDL):
        text = ddl.format(s=checked(schema))
        await ensure_tables(pool, text if indexes else _INDEX.sub("", text))


async def create_indexes(pool: asyncpg.Pool, schema: str, tables: Collection[str]) -> None:
    """Make the missing indexes of ``tables`` in ``schema``: a replay's, once their rows are in."""
    for ddl in (_TABLES, REPORT_DDL, FORMS_DDL):
        found = _INDEX_ON.finditer(ddl.format(s=checked(schema)))
        wanted = [index[0] for index in found if index[1] in tables]
        if wanted:
            await ensure_tables(pool, "\n".join(wanted))


_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX[^;]*;")
_INDEX_ON = re.compile(r"CREATE (?:UNIQUE )?INDEX[^;]*?\sON\s+\w+\.(\w+)[^;]*;")  # an index, and its table


async def drop_read_models(conn: asyncpg.Connection | asyncpg.Pool, schema: str) -> None:
    """Drop a schema of read models and everything in it."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {checked(schema)} CASCADE")
