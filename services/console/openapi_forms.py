"""Web forms in the gateway's OpenAPI document: the admins' routes and the snippet's script.

The public endpoint the snippet talks to is ingest's (``/forms/{form_id}`` on the webhooks port),
not the gateway's, and is described in the README.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain import web_form
from domain.web_form import Creates, FieldKind, Target
from services.console.openapi_parts import PAGE, authed, operation, path_id, query
from services.console.sales_http import MAX_VERSION

EDIT = (400, 403, 404, 409, 413)


class FieldBody(BaseModel):
    """One field of a form."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Its name in the submission.")
    kind: FieldKind
    label: str = Field(min_length=1, max_length=web_form.MAX_LABEL)
    required: bool = False
    maps_to: Target | None = Field(default=None, description="Where the answer goes; none: the kind's own place.")


class FormBody(BaseModel):
    """A form's whole definition (POST /api/forms, PUT /api/forms/{form_id})."""

    name: str = Field(min_length=1, max_length=web_form.MAX_FORM_NAME)
    source: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The lead's source, for routing rules.")
    fields: list[FieldBody] = Field(min_length=1, max_length=web_form.MAX_FIELDS)
    consent_text: str = Field(min_length=1, max_length=web_form.MAX_CONSENT)
    success_message: str = Field(min_length=1, max_length=web_form.MAX_SUCCESS)
    creates: Creates = Creates.LEAD
    responsible_manager_id: UUID | None = Field(default=None, description="Gets the form's leads when at work.")
    currency: str | None = Field(default=None, pattern="^[A-Z]{3}$", description="The amount's, and the deal's.")
    allowed_origins: list[str] = Field(default=[], max_length=web_form.MAX_ORIGINS)


class NewFormBody(FormBody):
    """POST /api/forms: a definition, and the id to give the form (defining it twice defines it once)."""

    form_id: UUID | None = None


class FormChangeBody(FormBody):
    """PUT /api/forms/{form_id}: the new definition, made on the version the editor read."""

    expected_version: int | None = Field(default=None, ge=1, le=MAX_VERSION)


def forms_paths() -> dict[str, dict[str, Any]]:
    """The forms' paths of the gateway's OpenAPI document."""
    form = path_id("form_id")
    version = query("expected_version", {"type": "integer", "minimum": 1, "maximum": MAX_VERSION})
    admins: Literal["(admins)"] = "(admins)"
    return {
        "/form.js": {"get": operation("the snippet that renders a form on any site")},
        "/api/forms": {
            "get": authed(f"a page of the web forms {admins}", 400, 403, parameters=PAGE),
            "post": authed(f"define a web form {admins}", 400, 403, 413, body=NewFormBody, ok=201),
        },
        "/api/forms/{form_id}": {
            "get": authed(f"a web form with its snippet {admins}", 400, 403, 404, parameters=[form]),
            "put": authed(f"change a web form {admins}", *EDIT, body=FormChangeBody, parameters=[form]),
            "delete": authed(f"archive a web form {admins}", 400, 403, 404, 409, parameters=[form, version]),
        },
        "/api/leads/{lead_id}/form": {
            "get": authed(
                "the form submission that opened a lead: answers, consent, source",
                400,
                404,
                parameters=[path_id("lead_id")],
            ),
        },
        "/api/forms/{form_id}/submissions": {
            "get": authed(f"a page of a form's submissions {admins}", 400, 403, parameters=[form, *PAGE]),
        },
    }
