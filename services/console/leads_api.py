"""REST for leads: lists in the role's scope, one lead, its details, and qualifying it.

A lead is its manager's (the one routing gave it to). Leads are not entered or deleted by hand: a
conversation opens each, and one that is no business is marked junk, with the reason, which keeps
it in the reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from starlette.requests import Request
from starlette.routing import BaseRoute

from application.lead_qualification import LeadSaved, edit_lead, mark_lead_junk, qualify_lead, take_lead_in_progress
from domain.errors import InvalidField
from domain.lead import Lead, Qualification
from domain.lead_details import LeadDetails
from domain.permissions import Action, Entity
from services.console.accounts import Operator
from services.console.paging import CRM_PAGE, requested
from services.console.people_http import Body, people_filter, route
from services.console.people_queries import lead, leads
from services.console.sales_access import NotVisible, SalesAccess
from services.console.sales_acts import acting
from services.console.sales_http import Answer, Authenticate, path_id, version_field
from services.console.sales_queries import BY_TIME, Visible

log = structlog.get_logger()
DETAILS = ("amount", "currency", "product_interest", "comment")
QUALIFYING = ("take", "qualify", "junk")


async def qualify(  # noqa: PLR0913 - which act, on what, by whom, why, and the version seen
    access: SalesAccess, operator: Operator, act: str, lead_id: UUID, reason: object, expected_version: int | None
) -> LeadSaved:
    """Take a lead in progress, qualify it, or mark it junk (with ``reason``), as REST and the console do."""
    store, by = access.store(), operator.manager_id
    edits: dict[str, Callable[[int], LeadSaved]] = {
        "take": lambda v: take_lead_in_progress(store, lead_id, by, v),
        "qualify": lambda v: qualify_lead(store, lead_id, by, v),
        "junk": lambda v: mark_lead_junk(store, lead_id, by, reason if isinstance(reason, str) else "", v),
    }
    saved = await edit(access, operator, lead_id, expected_version, edits[act])
    log.info("lead_qualification_changed", lead_id=str(lead_id), status=saved.qualification, manager_id=str(by))
    return saved


async def change_details(access: SalesAccess, operator: Operator, lead_id: UUID, body: dict[str, Any]) -> LeadSaved:
    """Change any of the lead's amount, currency, product interest and comment; what is not sent stays."""
    store, by = access.store(), operator.manager_id

    def change(found: Lead) -> None:
        now = found.details
        values: dict[str, object] = {
            "amount": now.amount,
            "currency": now.currency,
            "product_interest": now.product_interest,
            "comment": now.comment,
        }
        values.update({name: body[name] for name in DETAILS if name in body})
        found.change_details(LeadDetails.checked(**values), by)

    return await edit(access, operator, lead_id, version_field(body), lambda v: edit_lead(store, lead_id, v, change))


async def edit(
    access: SalesAccess,
    operator: Operator,
    lead_id: UUID,
    expected_version: int | None,
    change: Callable[[int], LeadSaved],
) -> LeadSaved:
    """``change(version)`` a lead the operator may edit; NotVisible, NotAllowed, ConcurrentEdit."""

    def run() -> LeadSaved:
        who = access.actor(operator)
        return access.edited(lambda: access.subject(who, "lead", lead_id, Action.EDIT), expected_version, change)

    return await asyncio.to_thread(run)


def answered(saved: LeadSaved) -> dict[str, Any]:
    """A lead's answer to a change."""
    return {"id": str(saved.lead_id), "status": saved.qualification, "version": saved.version}


class LeadsApi:
    """The routes of leads."""

    def __init__(self, access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate

    def routes(self) -> list[BaseRoute]:
        """Every route of leads."""
        one, auth = "/api/leads/{lead_id}", self._authenticate
        return [
            route(auth, "/api/leads", "GET", self._leads),
            route(auth, one, "GET", self._lead),
            route(auth, one, "PATCH", self._details),
            *(route(auth, f"{one}/{act}", "POST", self._qualifying(act)) for act in QUALIFYING),
        ]

    async def _leads(self, operator: Operator, request: Request, _: Body) -> Answer:
        """The leads the caller may see, the latest first; ?status (new, in_progress, qualified, junk),
        ?responsible (an id or me), ?source, and of their contact ?vip, ?tag, ?company, ?q; ?limit, ?cursor.
        """  # noqa: D205 - the parameters
        who = await acting(self._access, operator)
        only = people_filter(request, operator)
        if only.status is not None and only.status not in {q.value for q in Qualification}:
            raise InvalidField("status", f"must be one of {', '.join(q.value for q in Qualification)}")
        seen = Visible.of(self._access.permissions, who, Entity.LEAD)
        page = requested(request.query_params, BY_TIME, default=CRM_PAGE)
        found, cursor = await leads(self._pool(), seen, page, only, self._access.store().team)
        return {"leads": found, "next_cursor": cursor}

    async def _lead(self, operator: Operator, request: Request, _: Body) -> Answer:
        """One lead: its status and reason, details, conversations and contact."""
        lead_id = path_id(request, "lead_id")
        who = await acting(self._access, operator)
        await asyncio.to_thread(self._access.subject, who, "lead", lead_id)
        found = await lead(self._pool(), lead_id)
        if found is None:  # recorded, but not in the read model yet
            msg = "no lead among those you may see"
            raise NotVisible(msg)
        return found

    async def _details(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Change what the lead is about: any of {"amount" (decimal text; null: not known), "currency",
        "product_interest", "comment"}, "expected_version"?.
        """  # noqa: D205 - the body's fields
        return answered(await change_details(self._access, operator, path_id(request, "lead_id"), body))

    def _qualifying(self, act: str) -> Callable[[Operator, Request, Body], Any]:
        async def handle(operator: Operator, request: Request, body: Body) -> Answer:
            lead_id = path_id(request, "lead_id")
            saved = await qualify(self._access, operator, act, lead_id, body.get("reason"), version_field(body))
            return answered(saved)

        handle.__doc__ = {
            "take": 'Take the lead in progress (a new one, or one marked junk by mistake): {"expected_version"?}.',
            "qualify": 'The lead in progress is real business, ready to convert: {"expected_version"?}.',
            "junk": 'The lead is no business: {"reason" (required), "expected_version"?}.',
        }[act]
        return handle
