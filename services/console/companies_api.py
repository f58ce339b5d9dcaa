"""REST for companies: lists in the role's scope, one company with its contacts, entering and editing one.

Companies are not deleted: deals, contacts and the log name them for good; who works there changes
on the contact (``PUT /api/contacts/{contact_id}/company``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from uuid import UUID

import asyncpg
from starlette.requests import Request
from starlette.routing import BaseRoute

from application.create_company import CompanySaved, create_company
from application.errors import UnknownManager
from application.update_company import KEEP, CompanyChanges, Keep, update_company
from domain.company import Company, CompanyDetails
from domain.errors import InvalidField
from domain.permissions import Action, Entity, Holding
from services.console.accounts import Operator
from services.console.paging import CRM_PAGE, requested
from services.console.people_http import Body, people_filter, route, texts_field
from services.console.people_queries import companies, company
from services.console.sales_access import NotVisible, SalesAccess
from services.console.sales_acts import acting
from services.console.sales_http import Answer, Authenticate, id_field, path_id, version_field
from services.console.sales_queries import BY_TIME, Visible

DETAILS = ("name", "domain", "address", "industry")


class CompaniesApi:
    """The routes of companies."""

    def __init__(
        self,
        access: SalesAccess,
        pool: Callable[[], asyncpg.Pool],
        authenticate: Authenticate,
        default_phone_region: str = "",
    ) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate
        self._region = default_phone_region

    def routes(self) -> list[BaseRoute]:
        """Every route of companies."""
        auth = self._authenticate
        return [
            route(auth, "/api/companies", "GET", self._companies),
            route(auth, "/api/companies", "POST", self._enter),
            route(auth, "/api/companies/{company_id}", "GET", self._company),
            route(auth, "/api/companies/{company_id}", "PATCH", self._change),
        ]

    async def _companies(self, operator: Operator, request: Request, _: Body) -> Answer:
        """The companies the caller may see, the latest first; ?responsible (an id or me), ?q (a name, domain,
        e-mail or phone), ?limit, ?cursor.
        """  # noqa: D205 - the parameters
        who = await acting(self._access, operator)
        seen = Visible.of(self._access.permissions, who, Entity.COMPANY)
        only = people_filter(request, operator, without=("company", "tag", "vip", "source", "status"))
        page = requested(request.query_params, BY_TIME, default=CRM_PAGE)
        found, cursor = await companies(self._pool(), seen, page, only)
        return {"companies": found, "next_cursor": cursor}

    async def _company(self, operator: Operator, request: Request, _: Body) -> Answer:
        """One company, with those of its contacts the caller may see."""
        company_id = path_id(request, "company_id")
        who = await acting(self._access, operator)
        await asyncio.to_thread(self._access.subject, who, "company", company_id)
        found = await company(self._pool(), company_id, Visible.of(self._access.permissions, who, Entity.CONTACT))
        if found is None:  # recorded, but not in the read model yet
            msg = "no company among those you may see"
            raise NotVisible(msg)
        return found

    async def _enter(self, operator: Operator, _: Request, body: Body) -> Answer:
        """Enter a company: {"name", "domain"?, "address"?, "industry"?, "phones"?, "emails"?, "responsible_id"?
        (the caller's unless given)}.
        """  # noqa: D205 - the body's fields
        who = await acting(self._access, operator)
        responsible = id_field(body, "responsible_id") or operator.manager_id
        self._access.require_new(who, Entity.COMPANY, Holding(responsible))
        details = CompanyDetails.checked(*(body.get(name, "") for name in DETAILS))
        phones, emails = texts_field(body, "phones") or [], texts_field(body, "emails") or []

        def enter() -> CompanySaved:
            try:
                return create_company(
                    self._access.store(),
                    operator.manager_id,
                    details,
                    phones=phones,
                    emails=emails,
                    responsible_manager_id=responsible,
                    default_phone_region=self._region,
                )
            except UnknownManager as unknown:
                raise InvalidField("responsible_id", str(unknown)) from None

        entered = await asyncio.to_thread(enter)
        return 201, {"id": str(entered.company_id), "version": entered.version}

    async def _change(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Change a company: any of {"name", "domain", "address", "industry", "phones" and "emails" (the whole
        lists), "responsible_id"}, "expected_version"?.
        """  # noqa: D205 - the body's fields
        company_id = path_id(request, "company_id")
        phones, emails = texts_field(body, "phones"), texts_field(body, "emails")
        responsible: UUID | Keep | None = id_field(body, "responsible_id") if "responsible_id" in body else KEEP
        if responsible is None:
            raise InvalidField("responsible_id", "must be a manager's id: a company is always someone's")
        access, store, by, expected = self._access, self._access.store(), operator.manager_id, version_field(body)

        def run() -> CompanySaved:
            who = access.actor(operator)

            def edit(version: int) -> CompanySaved:
                current = store.load(company_id)
                details = None
                if isinstance(current, Company) and any(name in body for name in DETAILS):
                    now = {"name": current.name, "domain": current.domain, "address": current.address}
                    now["industry"] = current.industry
                    details = CompanyDetails.checked(*(body.get(name, now[name]) for name in DETAILS))
                changes = CompanyChanges(details, phones, emails, responsible)
                try:
                    return update_company(store, company_id, by, changes, version, self._region)
                except UnknownManager as unknown:
                    raise InvalidField("responsible_id", str(unknown)) from None

            return access.edited(lambda: access.subject(who, "company", company_id, Action.EDIT), expected, edit)

        edited = await asyncio.to_thread(run)
        return {"id": str(company_id), "version": edited.version}
