"""REST for activities (calls, meetings, tasks, e-mails, notes) and for the timelines of CRM records.

Lists show what the caller may see: their own, their department's, or everyone's, as their role
allows; activities about a deal also to whoever may see the deal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from application.reschedule_activity import reschedule_activity
from application.schedule_activity import NewActivity, schedule_activity
from domain.activity import subject_kind_of
from domain.errors import InvalidField
from domain.permissions import Entity, Holding
from services.console.accounts import Operator
from services.console.activity_queries import ActivityFilter, ActivityState, activities, activity, timeline
from services.console.paging import CRM_PAGE, requested
from services.console.sales_access import NotVisible, SalesAccess
from services.console.sales_acts import acting, complete, edit_activity
from services.console.sales_http import (
    Answer,
    Authenticate,
    Handler,
    flag_field,
    given,
    guarded,
    id_field,
    moment_field,
    path_id,
    query_id,
    version_field,
)
from services.console.sales_queries import BY_DUE, BY_PLACE, BY_TIME, Visible

Body = dict[str, Any]


class ActivitiesApi:
    """The routes of activities and timelines."""

    def __init__(self, access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate

    def routes(self) -> list[BaseRoute]:
        """Every route of activities and timelines."""
        one = "/api/activities/{activity_id}"
        return [
            self._route("/api/activities", "GET", self._activities),
            self._route("/api/activities", "POST", self._schedule),
            self._route(one, "GET", self._activity),
            self._route(f"{one}/schedule", "PUT", self._reschedule),
            self._route(f"{one}/complete", "POST", self._complete),
            self._route("/api/timeline/{subject_kind}/{subject_id}", "GET", self._timeline),
        ]

    def _route(self, path: str, method: str, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            return await guarded(self._authenticate, request, handler)

        endpoint.__doc__ = f"{method} {path}: {handler.__doc__}"
        return Route(path, endpoint, methods=[method])

    async def _activities(self, operator: Operator, request: Request, _: Body) -> Answer:
        """Activities the caller may see: ?state=open|due|overdue|done|all, ?responsible (an id or me),
        ?subject_kind and ?subject_id, ?limit, ?cursor.
        """  # noqa: D205 - the parameters
        who = await acting(self._access, operator)
        params = request.query_params
        try:
            state = ActivityState(params.get("state", ActivityState.OPEN))
        except ValueError:
            raise InvalidField("state", f"must be one of {', '.join(ActivityState)}") from None
        subject_id = query_id(request, "subject_id")
        subject = None
        if subject_id is not None or "subject_kind" in params:
            if subject_id is None:
                raise InvalidField("subject_id", "must be given with subject_kind")
            subject = (subject_kind_of(params.get("subject_kind")).value, subject_id)
        responsible = params.get("responsible")
        only = ActivityFilter(
            state, operator.manager_id if responsible == "me" else query_id(request, "responsible"), subject
        )
        permissions = self._access.permissions
        seen = (Visible.of(permissions, who, Entity.ACTIVITY), Visible.of(permissions, who, Entity.DEAL))
        page = requested(params, BY_TIME if state is ActivityState.DONE else BY_DUE, default=CRM_PAGE)
        found, cursor = await activities(self._pool(), seen, page, only)
        return {"activities": found, "next_cursor": cursor}

    async def _activity(self, operator: Operator, request: Request, _: Body) -> Answer:
        """One activity."""
        activity_id = path_id(request, "activity_id")
        who = await acting(self._access, operator)
        await asyncio.to_thread(self._access.activity, who, activity_id)
        found = await activity(self._pool(), activity_id)
        if found is None:  # recorded, but not in the read model yet
            msg = "no activity among those you may see"
            raise NotVisible(msg)
        return found

    async def _schedule(self, operator: Operator, _: Request, body: Body) -> Answer:
        """Schedule: {"kind": call|meeting|task|email|note, "subject_kind": contact|company|lead|deal, "subject_id",
        "title", "description"?, "due_at"?, "remind_at"?, "responsible_id"?, "call_back"?, "activity_id"?}.
        """  # noqa: D205 - the body's fields
        who = await acting(self._access, operator)
        kind = subject_kind_of(given(body, "subject_kind")).value
        subject_id = id_field(body, "subject_id", required=True)
        assert subject_id is not None  # required
        try:
            await asyncio.to_thread(self._access.subject, who, kind, subject_id)
        except NotVisible:  # the same words the use case has for a subject that does not exist
            raise InvalidField("subject_id", f"no {kind} with id {subject_id}") from None
        responsible = id_field(body, "responsible_id") or operator.manager_id
        self._access.require_new(who, Entity.ACTIVITY, Holding(responsible))
        new = NewActivity(
            kind=given(body, "kind"),
            subject_kind=kind,
            subject_id=subject_id,
            title=given(body, "title"),
            description=body.get("description", ""),
            due_at=moment_field(body, "due_at"),
            remind_at=moment_field(body, "remind_at"),
            responsible_id=responsible,
            call_back=bool(flag_field(body, "call_back", default=False)),
            activity_id=id_field(body, "activity_id"),
        )
        scheduled = await asyncio.to_thread(schedule_activity, self._access.store(), new, operator.manager_id)
        return 201, {"id": str(scheduled)}

    async def _reschedule(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Move the due time and the reminder: {"due_at", "remind_at"} (null: none), "expected_version"?."""
        activity_id = path_id(request, "activity_id")
        for name in ("due_at", "remind_at"):
            if name not in body:
                raise InvalidField(name, "must be given: a date and time with its zone, or null for none")
        due, remind = moment_field(body, "due_at"), moment_field(body, "remind_at")
        store, by = self._access.store(), operator.manager_id
        version = await edit_activity(
            self._access,
            operator,
            activity_id,
            version_field(body),
            lambda v: reschedule_activity(store, activity_id, due, remind, by, v),
        )
        return {"id": str(activity_id), "version": version}

    async def _complete(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Mark done with its result: {"result"?, "expected_version"?}."""
        activity_id = path_id(request, "activity_id")
        version = await complete(self._access, operator, activity_id, body.get("result", ""), version_field(body))
        return {"id": str(activity_id), "version": version}

    async def _timeline(self, operator: Operator, request: Request, _: Body) -> Answer:
        """Everything that happened with a contact, company, lead or deal, in order; ?limit, ?cursor."""
        kind = subject_kind_of(request.path_params["subject_kind"], "subject_kind").value
        subject_id = path_id(request, "subject_id")
        who = await acting(self._access, operator)
        await asyncio.to_thread(self._access.subject, who, kind, subject_id)
        page = requested(request.query_params, BY_PLACE, default=CRM_PAGE)
        found, cursor = await timeline(self._pool(), kind, subject_id, page)
        return {"subject_kind": kind, "subject_id": str(subject_id), "timeline": found, "next_cursor": cursor}
