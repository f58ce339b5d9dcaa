"""REST for contacts: lists in the role's scope, one contact, entering and editing one, and its addresses.

A merged contact's id still resolves: GET on it answers with the contact it was merged into (the
survivor), saying so in ``merged_id``; an edit through it is refused with 409 naming the survivor.
Contacts are not deleted: the log keeps every customer; one that is another's duplicate is merged
into it (see ``duplicates_api``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from starlette.requests import Request
from starlette.routing import BaseRoute

from application.contact_addresses import add_email, add_messenger_id, add_phone
from application.contact_company import set_contact_company
from application.create_contact import ContactSaved
from application.enter_contact import ContactCard, enter_contact
from application.errors import UnknownCompany, UnknownManager
from application.resolve_contact import resolve_contact
from application.update_contact import ContactChanges, update_contact
from domain.errors import InvalidField
from domain.permissions import Action, Entity, Holding
from services.console.accounts import Operator
from services.console.paging import CRM_PAGE, requested
from services.console.people_http import Body, object_field, people_filter, route, texts_field
from services.console.people_queries import contact, contacts
from services.console.sales_access import NotVisible, SalesAccess
from services.console.sales_acts import acting
from services.console.sales_http import Answer, Authenticate, flag_field, given, id_field, path_id, version_field
from services.console.sales_queries import BY_TIME, Visible


def saved(saved: ContactSaved) -> dict[str, Any]:
    """A contact's answer to a change: its id, version, and the contacts it may duplicate."""
    return {
        "id": str(saved.contact_id),
        "version": saved.version,
        "suggested_duplicates": [str(s) for s in saved.suggested_duplicates],
    }


async def edit_contact(
    access: SalesAccess,
    operator: Operator,
    contact_id: UUID,
    expected_version: int | None,
    edit: Callable[[int], ContactSaved],
) -> ContactSaved:
    """``edit(version)`` a contact the operator may edit; NotVisible, NotAllowed, ConcurrentEdit."""

    def run() -> ContactSaved:
        who = access.actor(operator)
        return access.edited(lambda: access.subject(who, "contact", contact_id, Action.EDIT), expected_version, edit)

    return await asyncio.to_thread(run)


async def change_contact(access: SalesAccess, operator: Operator, contact_id: UUID, body: Body) -> ContactSaved:
    """Change the details ``body`` gives (as REST and the console send them) of a contact the operator may edit."""
    changes = ContactChanges(
        name=body.get("name"),
        source=body.get("source"),
        vip=flag_field(body, "vip"),
        language=body.get("language"),
        region=body.get("region"),
        tags=texts_field(body, "tags"),
        custom_fields=object_field(body, "custom_fields"),
        responsible_manager_id=id_field(body, "responsible_id"),
    )
    store, by = access.store(), operator.manager_id

    def edit(version: int) -> ContactSaved:
        try:
            return update_contact(store, contact_id, by, changes, version)
        except UnknownManager as unknown:
            raise InvalidField("responsible_id", str(unknown)) from None

    return await edit_contact(access, operator, contact_id, version_field(body), edit)


class ContactsApi:
    """The routes of contacts."""

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
        """Every route of contacts."""
        one, auth = "/api/contacts/{contact_id}", self._authenticate
        return [
            route(auth, "/api/contacts", "GET", self._contacts),
            route(auth, "/api/contacts", "POST", self._enter),
            route(auth, one, "GET", self._contact),
            route(auth, one, "PATCH", self._change),
            route(auth, f"{one}/company", "PUT", self._company),
            route(auth, f"{one}/phones", "POST", self._phone),
            route(auth, f"{one}/emails", "POST", self._email),
            route(auth, f"{one}/messenger-ids", "POST", self._messenger_id),
        ]

    async def _contacts(self, operator: Operator, request: Request, _: Body) -> Answer:
        """The contacts the caller may see, the latest first; ?responsible (an id or me), ?company, ?tag, ?vip,
        ?source, ?q (a name, e-mail or phone), ?limit, ?cursor.
        """  # noqa: D205 - the parameters
        who = await acting(self._access, operator)
        seen = Visible.of(self._access.permissions, who, Entity.CONTACT)
        only = people_filter(request, operator, without=("status",))
        page = requested(request.query_params, BY_TIME, default=CRM_PAGE)
        found, cursor = await contacts(self._pool(), seen, page, only)
        return {"contacts": found, "next_cursor": cursor}

    async def _contact(self, operator: Operator, request: Request, _: Body) -> Answer:
        """One contact; a merged one's id answers with the contact it was merged into."""
        asked = path_id(request, "contact_id")
        who = await acting(self._access, operator)
        store = self._access.store()
        resolved = await asyncio.to_thread(resolve_contact, store, asked)
        await asyncio.to_thread(self._access.subject, who, "contact", resolved.contact_id)
        found = await contact(self._pool(), resolved.contact_id)
        if found is None:  # recorded, but not in the read model yet
            msg = "no contact among those you may see"
            raise NotVisible(msg)
        return {**found, "merged_id": str(asked) if resolved.merged else None}

    async def _enter(self, operator: Operator, _: Request, body: Body) -> Answer:
        """Enter a contact: {"name", "phones"?, "emails"?, "messenger_ids"?, "source"?, "vip"?, "language"?,
        "region"?, "tags"?, "custom_fields"?, "responsible_id"? (the caller's unless given), "company_id"?}.
        """  # noqa: D205 - the body's fields
        who = await acting(self._access, operator)
        responsible = id_field(body, "responsible_id") or operator.manager_id
        self._access.require_new(who, Entity.CONTACT, Holding(responsible))
        company = id_field(body, "company_id")
        if company is not None:
            await asyncio.to_thread(self._visible_company, who, company)
        card = ContactCard(
            name=given(body, "name"),
            responsible_manager_id=responsible,
            phones=texts_field(body, "phones") or (),
            emails=texts_field(body, "emails") or (),
            messenger_ids=texts_field(body, "messenger_ids") or (),
            source=body.get("source", ""),
            vip=bool(flag_field(body, "vip", default=False)),
            language=body.get("language", ""),
            region=body.get("region", ""),
            tags=texts_field(body, "tags") or (),
            custom_fields=object_field(body, "custom_fields") or {},
            company_id=company,
        )
        entered = await asyncio.to_thread(enter_contact, self._access.store(), operator.manager_id, card, self._region)
        return 201, saved(entered)

    def _visible_company(self, who: Any, company_id: UUID) -> None:  # noqa: ANN401 - an Actor
        try:
            self._access.subject(who, "company", company_id)
        except NotVisible:
            raise InvalidField("company_id", f"no company with id {company_id}") from None

    async def _change(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Change details: any of {"name", "source", "vip", "language", "region", "tags", "custom_fields" (a field
        set to null is removed), "responsible_id"}, "expected_version"?.
        """  # noqa: D205 - the body's fields
        return saved(await change_contact(self._access, operator, path_id(request, "contact_id"), body))

    async def _company(self, operator: Operator, request: Request, body: Body) -> Answer:
        """The company the contact works for: {"company_id": an id, or null for none, "expected_version"?}."""
        contact_id = path_id(request, "contact_id")
        if "company_id" not in body:
            raise InvalidField("company_id", "must be given: a company's id, or null for none")
        company = id_field(body, "company_id")
        who = await acting(self._access, operator)
        if company is not None:
            await asyncio.to_thread(self._visible_company, who, company)
        store, by = self._access.store(), operator.manager_id

        def edit(version: int) -> ContactSaved:
            try:
                return set_contact_company(store, contact_id, company, by, version)
            except UnknownCompany as unknown:
                raise InvalidField("company_id", str(unknown)) from None

        return saved(await self._edited(operator, contact_id, body, edit))

    async def _phone(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Reach the contact at another phone too: {"phone" (as typed), "expected_version"?}."""
        contact_id, store, by = path_id(request, "contact_id"), self._access.store(), operator.manager_id
        phone = given(body, "phone")
        edited = await self._edited(
            operator, contact_id, body, lambda v: add_phone(store, contact_id, by, phone, self._region, v)
        )
        return 201, saved(edited)

    async def _email(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Reach the contact at another e-mail too: {"email", "expected_version"?}."""
        contact_id, store, by = path_id(request, "contact_id"), self._access.store(), operator.manager_id
        email = given(body, "email")
        edited = await self._edited(operator, contact_id, body, lambda v: add_email(store, contact_id, by, email, v))
        return 201, saved(edited)

    async def _messenger_id(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Reach the contact in a messenger too: {"messenger_id": "telegram:123456", "expected_version"?}."""
        contact_id, store, by = path_id(request, "contact_id"), self._access.store(), operator.manager_id
        messenger = given(body, "messenger_id")
        edited = await self._edited(
            operator, contact_id, body, lambda v: add_messenger_id(store, contact_id, by, messenger, v)
        )
        return 201, saved(edited)

    async def _edited(
        self, operator: Operator, contact_id: UUID, body: Body, edit: Callable[[int], ContactSaved]
    ) -> ContactSaved:
        return await edit_contact(self._access, operator, contact_id, version_field(body), edit)
