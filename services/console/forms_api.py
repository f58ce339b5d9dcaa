"""REST for web forms: admins define, change and archive forms, and read what visitors submitted.

Only admins, but for a lead's own submission (``/api/leads/{id}/form``), which whoever may see the lead
reads: every route checks the session's role on the server (403 for any other role). A form is
answered with the snippet that embeds it on a site. Reads come from the forms' read models, which
follow the log: a form just defined is listed as soon as the projections have applied it.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from application.archive_form import archive_form
from application.change_form import change_form
from application.define_form import UnknownForm, define_form
from application.event_store import EventStore
from domain.web_form import FormArchived, FormDefinition
from services.console.accounts import Operator, Role
from services.console.lead_access import lead_visible
from services.console.paging import CRM_PAGE, CursorShape, requested
from services.console.sales_access import NotAllowed, NotVisible
from services.console.sales_http import Answer, Authenticate, Handler, guarded, id_field, path_id, version_field
from services.projections.schema import LIVE_SCHEMA

BY_TIME: CursorShape = ("at", "id")
BY_NOTIFICATION: CursorShape = ("int",)
_FORM = f"SELECT id, definition, archived, defined_at, changed_at, version FROM {LIVE_SCHEMA}.web_forms"  # noqa: S608
_SUBMISSION = (
    "SELECT lead_id, form_id, form_version, contact_id, conversation_id, answers, consent_text, consented_at,"  # noqa: S608
    f" source, notification_id FROM {LIVE_SCHEMA}.form_submissions"
)


class FormsApi:
    """The admin routes of web forms."""

    def __init__(
        self,
        store: Callable[[], EventStore],
        pool: Callable[[], asyncpg.Pool],
        authenticate: Authenticate,
        urls: tuple[str, str],
    ) -> None:
        self._store = store
        self._pool = pool
        self._authenticate = authenticate
        self._console_url, self._forms_url = urls

    def routes(self) -> list[BaseRoute]:
        """Every route of web forms."""
        return [
            self._route("/api/forms", "GET", self._forms),
            self._route("/api/forms", "POST", self._define),
            self._route("/api/forms/{form_id}", "GET", self._form),
            self._route("/api/forms/{form_id}", "PUT", self._change),
            self._route("/api/forms/{form_id}", "DELETE", self._archive),
            self._route("/api/forms/{form_id}/submissions", "GET", self._submissions),
            Route("/api/leads/{lead_id}/form", self._lead_source, methods=["GET"]),
        ]

    async def _lead_source(self, request: Request) -> Response:
        """GET /api/leads/{lead_id}/form: the submission that opened a lead, for whoever may see the lead."""
        return await guarded(self._authenticate, request, self._submission_of)

    async def _submission_of(self, operator: Operator, request: Request, _: dict[str, Any]) -> Answer:
        """The form's answers, the consent accepted and the source (page, UTM) of a lead a form opened."""
        lead_id = path_id(request, "lead_id")
        # A lead that is not there, not the caller's to see, or not from a form: one answer for all three.
        if not await asyncio.to_thread(lead_visible, self._store(), operator, lead_id):
            msg = "no lead from a form among those you may see"
            raise NotVisible(msg)
        row = await self._pool().fetchrow(f"{_SUBMISSION} WHERE lead_id = $1", lead_id)
        if row is None:
            msg = "no lead from a form among those you may see"
            raise NotVisible(msg)
        return _submission(row)

    def _route(self, path: str, method: str, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            return await guarded(self._authenticate, request, _admin_only(handler))

        endpoint.__doc__ = f"{method} {path}: {handler.__doc__}"
        return Route(path, endpoint, methods=[method])

    async def _forms(self, _: Operator, request: Request, __: dict[str, Any]) -> Answer:
        """Every form, the first defined first, archived ones too; ?limit, ?cursor."""
        page = requested(request.query_params, BY_TIME, default=CRM_PAGE)
        after = "" if page.after is None else " WHERE (defined_at, id) > ($1, $2)"
        rows = await self._pool().fetch(
            f"{_FORM}{after} ORDER BY defined_at, id LIMIT {page.limit + 1}", *(page.after or ())
        )
        given, cursor = page.of(rows, lambda r: (r["defined_at"], r["id"]))
        return {"forms": [self._shown(r) for r in given], "next_cursor": cursor}

    async def _form(self, _: Operator, request: Request, __: dict[str, Any]) -> Answer:
        """One form: its definition, version, whether archived, and its snippet."""
        row = await self._pool().fetchrow(f"{_FORM} WHERE id = $1", path_id(request, "form_id"))
        if row is None:
            msg = "no form with that id"
            raise NotVisible(msg)
        return self._shown(row)

    async def _define(self, operator: Operator, _: Request, body: dict[str, Any]) -> Answer:
        """Define a form: the definition's fields, and "form_id"? (given: defining it twice defines it once)."""
        definition = FormDefinition.checked(body)
        chosen = id_field(body, "form_id")
        saved = await asyncio.to_thread(define_form, self._store(), definition, operator.manager_id, chosen)
        return 201, {"id": str(saved.form_id), "version": saved.version, "snippet": self._snippet(saved.form_id)}

    async def _change(self, operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
        """Put a whole new definition in force: the definition's fields and "expected_version"?."""
        form_id = path_id(request, "form_id")
        definition = FormDefinition.checked(body)
        saved = await asyncio.to_thread(
            change_form, self._store(), form_id, definition, operator.manager_id, version_field(body)
        )
        return {"id": str(saved.form_id), "version": saved.version}

    async def _archive(self, operator: Operator, request: Request, _: dict[str, Any]) -> Answer:
        """Archive the form (?expected_version): it takes no more submissions."""
        form_id = path_id(request, "form_id")
        expected = version_field(dict(request.query_params))
        saved = await asyncio.to_thread(archive_form, self._store(), form_id, operator.manager_id, expected)
        return {"id": str(saved.form_id), "version": saved.version, "archived": True}

    async def _submissions(self, _: Operator, request: Request, __: dict[str, Any]) -> Answer:
        """What visitors submitted, the first first: lead, contact, answers, consent and source; ?limit, ?cursor."""
        form_id = path_id(request, "form_id")
        page = requested(request.query_params, BY_NOTIFICATION, default=CRM_PAGE)
        rows = await self._pool().fetch(
            f"{_SUBMISSION} WHERE form_id = $1 AND notification_id > $2 ORDER BY notification_id LIMIT $3",
            form_id,
            page.after[0] if page.after else 0,
            page.limit + 1,
        )
        given, cursor = page.of(rows, lambda r: (r["notification_id"],))
        return {"submissions": [_submission(r) for r in given], "next_cursor": cursor}

    def _shown(self, row: asyncpg.Record) -> dict[str, Any]:
        return {
            "id": str(row["id"]),
            **json.loads(row["definition"]),
            "archived": row["archived"],
            "defined_at": row["defined_at"].isoformat(),
            "changed_at": row["changed_at"].isoformat(),
            "version": row["version"],
            "snippet": self._snippet(row["id"]),
        }

    def _snippet(self, form_id: UUID) -> str:
        """The one tag a site puts where the form is to appear."""
        script = html.escape(f"{self._console_url}/form.js")
        endpoint = html.escape(self._forms_url)
        return f'<script src="{script}" data-form="{form_id}" data-endpoint="{endpoint}" async></script>'


def _admin_only(handler: Handler) -> Handler:
    async def checked(operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
        if operator.role is not Role.ADMIN:
            msg = "web forms are defined and read by admins"
            raise NotAllowed(msg)
        try:
            return await handler(operator, request, body)
        except UnknownForm as unknown:
            raise NotVisible(str(unknown)) from None
        except FormArchived as archived:
            raise NotAllowed(str(archived)) from None

    checked.__doc__ = handler.__doc__
    return checked


def _submission(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "lead_id": str(row["lead_id"]),
        "form_id": str(row["form_id"]),
        "form_version": row["form_version"],
        "contact_id": str(row["contact_id"]),
        "conversation_id": str(row["conversation_id"]),
        "answers": json.loads(row["answers"]),
        "consent_text": row["consent_text"],
        "consented_at": row["consented_at"].isoformat(),
        "source": json.loads(row["source"]),
    }
