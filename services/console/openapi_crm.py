"""The CRM's routes in the gateway's OpenAPI document: pipelines, products, deals, activities, timelines.

The bodies are in ``openapi_crm_bodies``. Edits may send ``expected_version`` and get 409 with the
current version when the record changed since.
"""

from __future__ import annotations

from typing import Any

from domain.activity import SubjectKind
from services.console.activity_queries import ActivityState
from services.console.openapi_crm_bodies import (
    AmountBody,
    CompleteBody,
    DealChangeBody,
    LineChangeBody,
    MoveBody,
    NewActivityBody,
    NewDealBody,
    NewLineBody,
    NewPipelineBody,
    NewProductBody,
    NewStageBody,
    ObserverBody,
    ProductChangeBody,
    RescheduleBody,
    ResponsibleBody,
    StageChangeBody,
    StageOrderBody,
)
from services.console.openapi_parts import PAGE, authed, path_id, query
from services.console.openapi_reports import report_paths
from services.console.sales_http import MAX_VERSION

UUID_TEXT = {"type": "string", "format": "uuid"}
RESPONSIBLE = query("responsible", {"type": "string", "maxLength": 36}, "a manager's id, or me")
VERSION_QUERY = query("expected_version", {"type": "integer", "minimum": 1, "maximum": MAX_VERSION})
SUBJECT_KINDS = {"type": "string", "enum": [kind.value for kind in SubjectKind]}
EDIT = (400, 403, 404, 409, 413)  # what an edit of a deal or an activity may be answered


def _catalogue() -> dict[str, dict[str, Any]]:
    pipeline_id, stage_id, product_id = path_id("pipeline_id"), path_id("stage_id"), path_id("product_id")
    active = query("active", {"type": "string", "enum": ["true", "false"]})
    return {
        "/api/pipelines": {
            "get": authed("a page of the pipelines with their stages, the oldest first", 400, 403, parameters=PAGE),
            "post": authed("make a pipeline (directors, admins)", 400, 403, 413, body=NewPipelineBody, ok=201),
        },
        "/api/pipelines/{pipeline_id}": {
            "get": authed("a pipeline with its stages", 400, 403, 404, parameters=[pipeline_id])
        },
        "/api/pipelines/{pipeline_id}/stages": {
            "post": authed("add a stage", *EDIT, body=NewStageBody, parameters=[pipeline_id], ok=201),
            "put": authed("put the stages in order", *EDIT, body=StageOrderBody, parameters=[pipeline_id]),
        },
        "/api/pipelines/{pipeline_id}/stages/{stage_id}": {
            "patch": authed(
                "rename a stage or change its probability",
                *EDIT,
                body=StageChangeBody,
                parameters=[pipeline_id, stage_id],
            )
        },
        "/api/products": {
            "get": authed("a page of the catalogue by name", 400, 403, parameters=[*PAGE, active]),
            "post": authed("add a product (directors, admins)", 400, 403, 413, body=NewProductBody, ok=201),
        },
        "/api/products/{product_id}": {
            "get": authed("a product", 400, 403, 404, parameters=[product_id]),
            "patch": authed("change a product", *EDIT, body=ProductChangeBody, parameters=[product_id]),
        },
    }


def _deals() -> dict[str, dict[str, Any]]:
    one, line, manager = path_id("deal_id"), path_id("line_id"), path_id("manager_id")
    only = [query("pipeline", UUID_TEXT), query("stage", UUID_TEXT), RESPONSIBLE]
    return {
        "/api/deals": {
            "get": authed(
                "a page of the deals the caller may see, the latest opened first", 400, parameters=[*PAGE, *only]
            ),
            "post": authed(
                "open a deal; 200 if opened before under this deal_id",
                200,
                400,
                403,
                404,
                413,
                body=NewDealBody,
                ok=201,
            ),
        },
        "/api/deals/{deal_id}": {
            "get": authed("a deal with its product lines", 400, 403, 404, parameters=[one]),
            "patch": authed("change a deal's details", *EDIT, body=DealChangeBody, parameters=[one]),
        },
        "/api/deals/{deal_id}/lines": {
            "post": authed("add a product line", *EDIT, body=NewLineBody, parameters=[one], ok=201)
        },
        "/api/deals/{deal_id}/lines/{line_id}": {
            "patch": authed("change a product line", *EDIT, body=LineChangeBody, parameters=[one, line]),
            "delete": authed("remove a product line", 400, 403, 404, 409, parameters=[one, line, VERSION_QUERY]),
        },
        "/api/deals/{deal_id}/amount": {
            "put": authed("set the amount by hand", *EDIT, body=AmountBody, parameters=[one])
        },
        "/api/deals/{deal_id}/move": {
            "post": authed("move the deal to a stage", *EDIT, body=MoveBody, parameters=[one])
        },
        "/api/deals/{deal_id}/observers": {
            "post": authed("let a manager follow the deal", *EDIT, body=ObserverBody, parameters=[one])
        },
        "/api/deals/{deal_id}/observers/{manager_id}": {
            "delete": authed(
                "stop a manager following the deal", 400, 403, 404, 409, parameters=[one, manager, VERSION_QUERY]
            )
        },
        "/api/deals/{deal_id}/responsible": {
            "put": authed("hand the deal to another manager", *EDIT, body=ResponsibleBody, parameters=[one])
        },
    }


def _activities() -> dict[str, dict[str, Any]]:
    one = path_id("activity_id")
    only = [
        query("state", {"type": "string", "enum": [state.value for state in ActivityState]}, "open unless given"),
        RESPONSIBLE,
        query("subject_kind", SUBJECT_KINDS),
        query("subject_id", UUID_TEXT, "needed with subject_kind"),
    ]
    subject = [
        {"name": "subject_kind", "in": "path", "required": True, "schema": SUBJECT_KINDS},
        path_id("subject_id"),
    ]
    return {
        "/api/activities": {
            "get": authed("a page of the activities the caller may see", 400, parameters=[*PAGE, *only]),
            "post": authed("schedule an activity", 400, 403, 413, body=NewActivityBody, ok=201),
        },
        "/api/activities/{activity_id}": {"get": authed("an activity", 400, 403, 404, parameters=[one])},
        "/api/activities/{activity_id}/schedule": {
            "put": authed("move the due time and the reminder", *EDIT, body=RescheduleBody, parameters=[one])
        },
        "/api/activities/{activity_id}/complete": {
            "post": authed("mark the activity done with its result", *EDIT, body=CompleteBody, parameters=[one])
        },
        "/api/timeline/{subject_kind}/{subject_id}": {
            "get": authed(
                "a page of what happened with a contact, company, lead or deal",
                400,
                403,
                404,
                parameters=[*subject, *PAGE],
            )
        },
    }


def crm_paths() -> dict[str, dict[str, Any]]:
    """Every CRM route's description."""
    return _catalogue() | _deals() | _activities() | report_paths()
