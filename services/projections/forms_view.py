"""The web forms' read models: each form's definition as in force, and each submission beside its lead.

The gateway lists forms and their submissions from here, and ingest reads a form's definition from
here before reading a visitor's submission against it.
"""

from __future__ import annotations

import json

from domain.published_event import PublishedEvent
from services.projections.inbox_view import Changes
from services.projections.rows import Rows
from services.projections.sales_rows import Handler, clean, moment, uuid_or_none

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


async def apply(rows: Rows, event: PublishedEvent, changes: Changes) -> None:
    """Apply one public domain event to the forms' read models."""
    handler = HANDLERS.get(event.type)
    if handler is not None:
        await handler(rows, event, changes)


def handles(event_type: str) -> bool:
    """Whether events of ``event_type`` change the forms' read models."""
    return event_type in HANDLERS


async def _defined(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    definition = e.data["definition"]
    form = rows.new_row(
        "web_forms",
        id=e.aggregate_id,
        name=clean(definition["name"]),
        source=clean(definition["source"]),
        definition=json.dumps(definition),
        defined_at=e.occurred_at,
        defined_by=uuid_or_none(e.data.get("by")),
        changed_at=e.occurred_at,
        version=e.version,
    )
    await rows.insert("web_forms", form)


async def _changed(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    definition = e.data["definition"]
    await rows.update(
        "web_forms",
        e.aggregate_id,
        name=clean(definition["name"]),
        source=clean(definition["source"]),
        definition=json.dumps(definition),
        changed_at=e.occurred_at,
        version=e.version,
    )


async def _archived(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    await rows.update("web_forms", e.aggregate_id, archived=True, changed_at=e.occurred_at, version=e.version)


async def _received(rows: Rows, e: PublishedEvent, _: Changes) -> None:
    d = e.data
    submission = rows.new_row(
        "form_submissions",
        lead_id=uuid_or_none(d["lead_id"]),
        form_id=uuid_or_none(d["form_id"]),
        form_version=int(d["form_version"]),
        contact_id=uuid_or_none(d["contact_id"]),
        conversation_id=uuid_or_none(d["conversation_id"]),
        answers=json.dumps(d["answers"]),
        consent_text=clean(d["consent_text"]),
        consented_at=moment(d["consented_at"]),
        source=json.dumps(d["source"]),
        notification_id=e.notification_id,
    )
    await rows.insert("form_submissions", submission)


HANDLERS: dict[str, Handler] = {
    "WebForm.Defined": _defined,
    "WebForm.Changed": _changed,
    "WebForm.Archived": _archived,
    "SubmittedForm.Received": _received,
}
