"""The gateway's HTTP endpoints as an OpenAPI 3.1 document, served at ``/api/openapi.json``.

Written here beside the routes, and kept true by ``tests/unit/test_openapi.py`` (every route of
``app.py`` is in it, and nothing else) and by the API fuzzer (``tests/integration/test_api_fuzzing.py``),
which sends what this document describes, and what it does not, to a live gateway.
The operator websocket is no HTTP endpoint: it is listed under ``x-websockets``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.channels import Channel
from domain.manager import MAX_CAPACITY
from services.console.accounts import Role
from services.console.conversation_list import MAX_SEARCH, ListFilter
from services.console.openapi_campaigns import campaigns_paths
from services.console.openapi_chat import chat_paths
from services.console.openapi_conversion import conversion_paths
from services.console.openapi_crm import crm_paths
from services.console.openapi_forms import forms_paths
from services.console.openapi_parts import PAGE, authed, operation, path_id
from services.console.openapi_people import people_paths

VERSION = "1.0.0"


class Credentials(BaseModel):
    """POST /api/login."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class VisitorToken(BaseModel):
    """The widget's visitor token, if it has one."""

    token: str | None = Field(default=None, max_length=1024)


class WorkDay(BaseModel):
    """POST /api/work-day."""

    action: Literal["start", "pause", "resume", "end"]


class Capacity(BaseModel):
    """PUT /api/managers/{manager_id}/capacity."""

    capacity: int = Field(ge=0, le=MAX_CAPACITY)


TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
DAY = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class ShiftBody(BaseModel):
    """One weekly shift, local time."""

    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    from_: str = Field(alias="from", pattern=TIME)
    to: str = Field(pattern=TIME)


class WorkingHoursBody(BaseModel):
    """PUT /api/managers/{manager_id}/working-hours; no shifts: no working hours."""

    timezone: str = Field(max_length=64, examples=["Europe/Riga"])
    shifts: list[ShiftBody] = Field(default=[], max_length=56)


class AbsenceBody(BaseModel):
    """POST /api/managers/{manager_id}/absences."""

    first_day: str = Field(pattern=DAY)
    last_day: str = Field(pattern=DAY)
    reason: str = Field(default="", max_length=500)


class NewAccountBody(BaseModel):
    """POST /api/accounts."""

    email: str = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.MANAGER
    password: str = Field(min_length=12, max_length=1024)
    team: str | None = Field(default=None, max_length=100)
    capacity: int | None = Field(default=None, ge=0, le=MAX_CAPACITY)


class PasswordBody(BaseModel):
    """PUT /api/accounts/{manager_id}/password."""

    password: str = Field(min_length=12, max_length=1024)


def _paths() -> dict[str, dict[str, Any]]:
    lead, manager, account, contact = (
        path_id("lead_id"),
        path_id("manager_id"),
        path_id("manager_id"),
        path_id("contact_id"),
    )
    sha = {"name": "sha256", "in": "path", "required": True, "schema": {"type": "string"}}
    token = {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}
    page = {"parameters": PAGE}
    return {
        "/": {"get": operation("the operators' console page")},
        "/widget": {"get": operation("the web-chat widget page, made to be framed by the sites that embed it")},
        "/healthz": {"get": operation("ok or degraded; each check for an admin's session", 503)},
        "/metrics": {"get": operation("counts for Prometheus, in its text format")},
        "/api/openapi.json": {"get": operation("this document")},
        "/api/login": {"post": operation("a session token for an operator", 400, 401, 413, 429, body=Credentials)},
        "/api/logout": {"post": authed("end the caller's session and close its consoles")},
        "/api/conversations": {
            "get": authed(
                "a page of the conversations the caller may see, newest activity first: filter (all: the open"
                " ones; team: held by or offered to a team mate), channel, q (every word in the name, address or"
                " messages); the first page counts each filter's conversations in that channel and search",
                400,
                parameters=[
                    *PAGE,
                    {"name": "filter", "in": "query", "schema": {"type": "string", "enum": list(ListFilter)}},
                    {"name": "channel", "in": "query", "schema": {"type": "string", "enum": list(Channel)}},
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": MAX_SEARCH}},
                ],
            )
        },
        "/api/leads/{lead_id}/routing": {
            "get": authed("a page of a lead's routing decisions", 400, 404, parameters=[lead, *PAGE])
        },
        "/api/contacts/{contact_id}/activities": {
            "get": authed("a page of a contact's activities", 400, 404, parameters=[contact, *PAGE])
        },
        "/api/attachments": {
            "post": authed(
                "upload a file for a reply: the body is its bytes, X-Filename its name (percent-encoded)",
                400,
                413,
                ok=201,
                parameters=[{"name": "X-Filename", "in": "header", "required": True, "schema": {"type": "string"}}],
                requestBody={"required": True, "content": {"application/octet-stream": {"schema": {}}}},
            )
        },
        "/api/attachments/{sha256}": {"get": authed("an attachment's bytes", 404, 410, parameters=[sha])},
        "/unsubscribe": {
            method: operation(
                "a campaign mail's unsubscribe link: GET shows a button, POST honours it", 400, parameters=[token]
            )
            for method in ("get", "post")
        },
        "/api/imports": {
            "post": authed(
                "import contacts from a CSV or vCard file (the body, X-Filename its name) as a job (202, its id and"
                " url); a dry run answers with the report of every row",
                200,
                400,
                403,
                413,
                ok=202,
                parameters=[
                    {"name": "X-Filename", "in": "header", "required": True, "schema": {"type": "string"}},
                    {"name": "dry_run", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                    {"name": "mapping", "in": "query", "schema": {"type": "string"}},
                ],
                requestBody={"required": True, "content": {"application/octet-stream": {"schema": {}}}},
            )
        },
        "/api/imports/{job_id}": {
            "get": authed(
                "an import job's status, rows done of all, and once done its report of every refused row",
                400,
                403,
                404,
                parameters=[{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            )
        },
        "/api/mail/rejections": {"get": authed("a page of the mails not accepted", 400, 403, **page)},
        "/api/work-day": {"post": authed("the caller's own work day", 400, 413, body=WorkDay)},
        "/api/managers/{manager_id}/capacity": {
            "put": authed("a manager's capacity", 400, 403, 413, body=Capacity, parameters=[manager])
        },
        "/api/managers/{manager_id}/working-hours": {
            "put": authed("a manager's weekly shifts", 400, 403, 413, body=WorkingHoursBody, parameters=[manager])
        },
        "/api/managers/{manager_id}/absences": {
            "post": authed("a manager's days away", 400, 403, 413, body=AbsenceBody, parameters=[manager])
        },
        "/api/accounts": {
            "get": authed("a page of the operator accounts (admins)", 400, 403, **page),
            "post": authed("make an account (admins)", 400, 403, 409, 413, body=NewAccountBody, ok=201),
        },
        "/api/accounts/{manager_id}/password": {
            "put": authed("set an account's password (admins)", 400, 403, 404, body=PasswordBody, parameters=[account])
        },
        "/api/accounts/{manager_id}": {
            "delete": authed("remove an account (admins)", 400, 403, 404, parameters=[account])
        },
        "/api/widget/session": {"post": operation("a visitor token for the widget", 400, 413, 429, body=VisitorToken)},
        "/api/widget/history": {
            "post": operation("the visitor's own conversation", 400, 401, 413, 429, body=VisitorToken)
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Switchboard gateway",
            "version": VERSION,
            "description": 'The console\'s HTTP API. Every error is JSON {"error": ...}; bodies are JSON objects.',
        },
        "paths": _paths()
        | crm_paths()
        | people_paths()
        | conversion_paths()
        | forms_paths()
        | chat_paths()
        | campaigns_paths(),
        "components": {"securitySchemes": {"session": {"type": "http", "scheme": "bearer"}}},
        "x-websockets": {
            "/ws/console": 'the operator console: {"type": "auth", "token"} first, then commands'
            " (reply, history, work_day, accept, close, move_deal, complete_activity, convert_lead, take_lead,"
            " qualify_lead, mark_lead_junk, change_lead, update_contact, transfer, invite, leave, note, reopen,"
            " pin, unpin, pins, typing, canned_replies, save_canned_reply, delete_canned_reply) and live updates",
        },
    }
