"""REST for duplicates: the suggested ones, overall or of a contact, dismissing one, and merging two contacts.

A suggestion is shown to whoever may see both its contacts (only they could merge them). Merging
asks to edit the survivor and to delete the merged contact: it is how a contact goes, and nothing of
it is lost (the survivor has everything it had, and its id resolves to the survivor).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from uuid import UUID

import asyncpg
import structlog
from starlette.requests import Request
from starlette.routing import BaseRoute

from application.duplicate_suggestions import dismiss_duplicate_suggestion
from application.errors import UnknownSuggestion
from application.merge_contacts import MergedContacts, merge_contacts
from application.record_holding import Held
from application.resolve_contact import resolve_contact
from domain.duplicates import DuplicateSuggestion
from domain.errors import InvalidField
from domain.permissions import Action, Actor, Entity
from services.console.accounts import Operator
from services.console.paging import CRM_PAGE, requested
from services.console.people_http import Body, route
from services.console.people_queries import suggestions
from services.console.sales_access import SalesAccess
from services.console.sales_acts import acting
from services.console.sales_http import Answer, Authenticate, given, id_field, path_id, version_field
from services.console.sales_queries import BY_TIME, Visible

log = structlog.get_logger()


class DuplicatesApi:
    """The routes of suggested duplicates and merges."""

    def __init__(self, access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate

    def routes(self) -> list[BaseRoute]:
        """Every route of duplicates."""
        auth = self._authenticate
        return [
            route(auth, "/api/duplicates", "GET", self._all),
            route(auth, "/api/duplicates/{suggestion_id}/dismissal", "POST", self._dismiss),
            route(auth, "/api/contacts/{contact_id}/duplicates", "GET", self._of_contact),
            route(auth, "/api/contacts/{contact_id}/merge", "POST", self._merge),
        ]

    async def _all(self, operator: Operator, request: Request, _: Body) -> Answer:
        """Open suggested duplicates whose contacts the caller may both see, the latest first; ?limit, ?cursor."""
        who = await acting(self._access, operator)
        seen = Visible.of(self._access.permissions, who, Entity.CONTACT)
        page = requested(request.query_params, BY_TIME, default=CRM_PAGE)
        found, cursor = await suggestions(self._pool(), seen, page)
        return {"duplicates": found, "next_cursor": cursor}

    async def _of_contact(self, operator: Operator, request: Request, _: Body) -> Answer:
        """The open suggestions naming the contact (or one merged into it); ?limit, ?cursor."""
        asked = path_id(request, "contact_id")
        who = await acting(self._access, operator)
        resolved = await asyncio.to_thread(resolve_contact, self._access.store(), asked)
        await asyncio.to_thread(self._access.subject, who, "contact", resolved.contact_id)
        seen = Visible.of(self._access.permissions, who, Entity.CONTACT)
        page = requested(request.query_params, BY_TIME, default=CRM_PAGE)
        found, cursor = await suggestions(self._pool(), seen, page, resolved.contact_id)
        return {"duplicates": found, "next_cursor": cursor}

    async def _dismiss(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Say the two are different people: {"why"?}; the pair is not suggested again."""
        suggestion_id = path_id(request, "suggestion_id")
        why = body.get("why", "")

        def run() -> None:
            who = self._access.actor(operator)
            suggestion = self._access.store().load(suggestion_id)
            if not isinstance(suggestion, DuplicateSuggestion):
                raise UnknownSuggestion(suggestion_id)
            for contact_id in suggestion.contact_ids:
                self._contact(who, contact_id, Action.EDIT)
            dismiss_duplicate_suggestion(self._access.store(), suggestion_id, operator.manager_id, why)

        await asyncio.to_thread(run)
        log.info("duplicate_dismissed", suggestion_id=str(suggestion_id), manager_id=str(operator.manager_id))
        return {"id": str(suggestion_id), "status": "dismissed"}

    def _contact(self, who: Actor, contact_id: UUID, action: Action) -> Held:
        """The contact ``contact_id`` is now (after merges), if ``who`` may ``action`` it."""
        resolved = resolve_contact(self._access.store(), contact_id)
        return self._access.subject(who, "contact", resolved.contact_id, action)

    async def _merge(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Merge another contact into this one: {"merged_id", "why"?, "expected_version"? (this contact's),
        "merged_version"?}; this one keeps everything both had.
        """  # noqa: D205 - the body's fields
        survivor = path_id(request, "contact_id")
        merged = id_field(body, "merged_id", required=True)
        assert merged is not None  # required
        if merged == survivor:
            raise InvalidField("merged_id", "is this contact itself: name the one to merge into it")
        why, expected, merged_version = (
            given(body, "why") or "",
            version_field(body),
            version_field(body, "merged_version"),
        )
        access, store, by = self._access, self._access.store(), operator.manager_id

        def run() -> MergedContacts:
            who = access.actor(operator)
            seen: dict[str, int] = {}

            def check() -> Held:
                seen["merged"] = access.subject(who, "contact", merged, Action.DELETE).version
                return access.subject(who, "contact", survivor, Action.EDIT)

            def edit(version: int) -> MergedContacts:
                kept = seen["merged"] if merged_version is None else merged_version
                return merge_contacts(store, survivor, merged, by, why, survivor_version=version, merged_version=kept)

            return access.edited(check, expected, edit)

        done = await asyncio.to_thread(run)
        log.info(
            "contacts_merged",
            survivor_id=str(done.survivor_id),
            merged_id=str(done.merged_id),
            manager_id=str(operator.manager_id),
        )
        return {
            "id": str(done.survivor_id),
            "merged_id": str(done.merged_id),
            "version": done.version,
            "moved_addresses": list(done.moved_addresses),
        }
