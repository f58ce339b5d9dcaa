"""The read models' tables, created in a schema of their own.

A rebuild fills a second schema from offset zero, so the live one keeps
serving while it runs.
"""

from __future__ import annotations

import re

import asyncpg

from services.tables import Connection, ensure_tables

LIVE_SCHEMA = "read_models_v4"  # a new shape gets a new name and is built from offset zero

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
"""

READ_MODEL_TABLES = ("conversations", "messages", "assignments", "managers", "activities")


def checked(schema: str) -> str:
    """A schema name safe to put in SQL, or ValueError."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        msg = f"schema name {schema!r} must be lower-case letters, digits and underscores"
        raise ValueError(msg)
    return schema


async def create_read_models(pool: asyncpg.Pool, schema: str) -> None:
    """Create the read-model tables in ``schema`` if they are missing."""
    await ensure_tables(pool, _TABLES.format(s=checked(schema)))


async def drop_read_models(conn: asyncpg.Connection | asyncpg.Pool, schema: str) -> None:
    """Drop a schema of read models and everything in it."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {checked(schema)} CASCADE")
