"""The web forms' read models: each form's definition as in force, and each submission beside its lead.

The gateway lists forms and their submissions from here, and ingest reads a form's definition from
here before reading a visitor's submission against it.
"""

from __future__ import annotations

import json

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.sales_rows import Handler, clean, moment, uuid_or_none
from services.tables import Connection

TABLES = """
CREATE TABLE IF NOT EXISTS {s}.web_forms (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    source text NOT NULL,
    definition jsonb NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    defined_at timestamptz NOT NULL,
    defined_by uuid,
    changed_at timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.form_submissions (
    lead_id uuid PRIMARY KEY,
    form_id uuid NOT NULL,
    form_version integer NOT NULL,
    contact_id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    answers jsonb NOT NULL,
    consent_text text NOT NULL,
    consented_at timestamptz NOT NULL,
    source jsonb NOT NULL,
    notification_id bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS form_submissions_form ON {s}.form_submissions (form_id, notification_id);
"""
FORM_TABLES = ("web_forms", "form_submissions")


async def apply(conn: Connection, schema: str, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the forms' read models in ``schema``."""
    handler = HANDLERS.get(event.type)
    if handler is not None:
        await handler(conn, schema, event, changes)


async def _defined(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    definition = e.data["definition"]
    await conn.execute(
        f"INSERT INTO {s}.web_forms (id, name, source, definition, defined_at, defined_by, changed_at, version)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6, $5, $7) ON CONFLICT (id) DO NOTHING",
        e.aggregate_id,
        clean(definition["name"]),
        clean(definition["source"]),
        json.dumps(definition),
        e.occurred_at,
        uuid_or_none(e.data.get("by")),
        e.version,
    )


async def _changed(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    definition = e.data["definition"]
    await conn.execute(
        f"UPDATE {s}.web_forms SET name = $2, source = $3, definition = $4, changed_at = $5, version = $6"  # noqa: S608
        " WHERE id = $1",
        e.aggregate_id,
        clean(definition["name"]),
        clean(definition["source"]),
        json.dumps(definition),
        e.occurred_at,
        e.version,
    )


async def _archived(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    await conn.execute(
        f"UPDATE {s}.web_forms SET archived = true, changed_at = $2, version = $3 WHERE id = $1",  # noqa: S608
        e.aggregate_id,
        e.occurred_at,
        e.version,
    )


async def _received(conn: Connection, s: str, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    await conn.execute(
        f"INSERT INTO {s}.form_submissions (lead_id, form_id, form_version, contact_id, conversation_id, answers,"  # noqa: S608
        " consent_text, consented_at, source, notification_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (lead_id) DO NOTHING",
        uuid_or_none(d["lead_id"]),
        uuid_or_none(d["form_id"]),
        int(d["form_version"]),
        uuid_or_none(d["contact_id"]),
        uuid_or_none(d["conversation_id"]),
        json.dumps(d["answers"]),
        clean(d["consent_text"]),
        moment(d["consented_at"]),
        json.dumps(d["source"]),
        e.notification_id,
    )


HANDLERS: dict[str, Handler] = {
    "WebForm.Defined": _defined,
    "WebForm.Changed": _changed,
    "WebForm.Archived": _archived,
    "SubmittedForm.Received": _received,
}
