"""REST for deals: lists in the role's scope, one deal with its lines, and every change a deal takes.

An edit may send ``expected_version``; if the deal changed since, it is refused with 409 and the
current version. Answers to edits carry the deal's version after them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from application.add_deal_line import NewLine, add_deal_line
from application.change_deal import change_deal
from application.change_deal_line import LineChange, change_deal_line
from application.change_deal_responsible import change_deal_responsible
from application.deal_observers import add_deal_observer, remove_deal_observer
from application.errors import UnknownPipeline
from application.open_deal import DealOpening, open_deal
from application.remove_deal_line import remove_deal_line
from application.set_deal_amount import set_deal_amount
from domain.errors import InvalidField
from domain.permissions import Actor, Entity, Holding
from services.console.accounts import Operator
from services.console.paging import CRM_PAGE, requested
from services.console.sales_access import NotVisible, SalesAccess
from services.console.sales_acts import acting, edit_deal, move
from services.console.sales_http import (
    Answer,
    Authenticate,
    Handler,
    given,
    guarded,
    id_field,
    ids_field,
    path_id,
    query_id,
    version_field,
)
from services.console.sales_queries import BY_TIME, DealFilter, Visible, deal, deals

Body = dict[str, Any]


class DealsApi:
    """The routes of deals."""

    def __init__(self, access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate

    def routes(self) -> list[BaseRoute]:
        """Every route of deals."""
        one = "/api/deals/{deal_id}"
        return [
            self._route("/api/deals", "GET", self._deals),
            self._route("/api/deals", "POST", self._open),
            self._route(one, "GET", self._deal),
            self._route(one, "PATCH", self._change),
            self._route(f"{one}/lines", "POST", self._add_line),
            self._route(f"{one}/lines/{{line_id}}", "PATCH", self._change_line),
            self._route(f"{one}/lines/{{line_id}}", "DELETE", self._remove_line),
            self._route(f"{one}/amount", "PUT", self._amount),
            self._route(f"{one}/move", "POST", self._move),
            self._route(f"{one}/observers", "POST", self._add_observer),
            self._route(f"{one}/observers/{{manager_id}}", "DELETE", self._remove_observer),
            self._route(f"{one}/responsible", "PUT", self._responsible),
        ]

    def _route(self, path: str, method: str, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            return await guarded(self._authenticate, request, handler)

        endpoint.__doc__ = f"{method} {path}: {handler.__doc__}"
        return Route(path, endpoint, methods=[method])

    async def _deals(self, operator: Operator, request: Request, _: Body) -> Answer:
        """The deals the caller may see, the latest opened first; ?pipeline, ?stage, ?responsible (an id or me)."""
        who = await acting(self._access, operator)
        params = request.query_params
        responsible = params.get("responsible")
        only = DealFilter(
            pipeline_id=query_id(request, "pipeline"),
            stage_id=query_id(request, "stage"),
            responsible_id=operator.manager_id if responsible == "me" else query_id(request, "responsible"),
        )
        seen = Visible.of(self._access.permissions, who, Entity.DEAL)
        found, cursor = await deals(self._pool(), seen, requested(params, BY_TIME, default=CRM_PAGE), only)
        return {"deals": found, "next_cursor": cursor}

    async def _deal(self, operator: Operator, request: Request, _: Body) -> Answer:
        """One deal with its product lines."""
        deal_id = path_id(request, "deal_id")
        who = await acting(self._access, operator)
        await asyncio.to_thread(self._access.deal, who, deal_id)  # whose it is now, not when last projected
        found = await deal(self._pool(), deal_id)
        if found is None:  # recorded, but not in the read model yet
            msg = "no deal among those you may see"
            raise NotVisible(msg)
        return found

    async def _open(self, operator: Operator, _: Request, body: Body) -> Answer:
        """Open a deal: {"title", "currency", "pipeline_id"?, "stage_id"?, "amount"?, "expected_close"?,
        "responsible_id"?, "observers"?, "contact_id"?, "company_id"?, "lead_id"?, "deal_id"?}.
        """  # noqa: D205 - the body's fields
        who = await acting(self._access, operator)
        responsible = id_field(body, "responsible_id") or operator.manager_id
        observers = ids_field(body, "observers")
        self._access.require_new(who, Entity.DEAL, Holding(responsible, frozenset(observers)))
        links = {name: id_field(body, name) for name in ("contact_id", "company_id", "lead_id")}
        await asyncio.to_thread(self._visible_links, who, links)
        opening = DealOpening(
            title=given(body, "title"),
            currency=given(body, "currency"),
            pipeline_id=id_field(body, "pipeline_id"),
            stage_id=id_field(body, "stage_id"),
            amount=given(body, "amount"),
            expected_close=given(body, "expected_close"),
            responsible_id=responsible,
            observers=tuple(observers),
            deal_id=id_field(body, "deal_id"),
            **links,
        )
        try:
            opened = await asyncio.to_thread(open_deal, self._access.store(), opening, operator.manager_id)
        except UnknownPipeline as unknown:
            raise InvalidField("pipeline_id", str(unknown)) from None
        if opened.duplicate:  # opened before under this id: told only to whoever may see it
            await asyncio.to_thread(self._access.deal, who, opened.deal_id)
        return (200 if opened.duplicate else 201), {"id": str(opened.deal_id), "version": opened.version}

    def _visible_links(self, who: Actor, links: dict[str, UUID | None]) -> None:
        # A record the user may not see is refused as one that does not exist, naming the field.
        for name, record in links.items():
            if record is not None:
                try:
                    self._access.subject(who, name.removesuffix("_id"), record)
                except NotVisible:
                    raise InvalidField(name, f"no {name.removesuffix('_id')} with id {record}") from None

    async def _change(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Change details: any of {"title", "expected_close", "probability" (null: the stage's), "currency",
        "contact_id", "company_id"} (null clears a link), "expected_version"?.
        """  # noqa: D205 - the body's fields
        deal_id = path_id(request, "deal_id")
        who = await acting(self._access, operator)
        links: dict[str, UUID | None] = {n: id_field(body, n) for n in ("contact_id", "company_id") if n in body}
        await asyncio.to_thread(self._visible_links, who, links)
        changes: dict[str, Any] = {
            n: body[n] for n in ("title", "expected_close", "probability", "currency") if n in body
        }
        changes.update(links)
        store, by = self._access.store(), operator.manager_id
        return await self._edited(
            operator, deal_id, body, lambda v: change_deal(store, deal_id, by, **changes, expected_version=v)
        )

    async def _add_line(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Add a line: {"product_id"? or "name" and "price", "quantity"?, "discount_percent"?, "tax_percent"?}."""
        deal_id = path_id(request, "deal_id")
        line = NewLine(
            product_id=id_field(body, "product_id"),
            name=given(body, "name"),
            price=given(body, "price"),
            quantity=body.get("quantity", 1),
            discount_percent=body.get("discount_percent", 0),
            tax_percent=body.get("tax_percent", 0),
            line_id=id_field(body, "line_id"),
        )
        store, by = self._access.store(), operator.manager_id
        added = await edit_deal(
            self._access, operator, deal_id, version_field(body), lambda v: add_deal_line(store, deal_id, line, by, v)
        )
        return 201, {"id": str(deal_id), "line_id": str(added.line_id), "version": added.version}

    async def _change_line(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Change a line: any of {"name", "price", "quantity", "discount_percent", "tax_percent"}."""
        deal_id, line_id = path_id(request, "deal_id"), path_id(request, "line_id")
        fields = ("name", "price", "quantity", "discount_percent", "tax_percent")
        change = LineChange(**{name: body.get(name) for name in fields})
        store, by = self._access.store(), operator.manager_id
        return await self._edited(
            operator, deal_id, body, lambda v: change_deal_line(store, deal_id, line_id, change, by, v)
        )

    async def _remove_line(self, operator: Operator, request: Request, _: Body) -> Answer:
        """Remove a line; ?expected_version."""
        deal_id, line_id = path_id(request, "deal_id"), path_id(request, "line_id")
        store, by = self._access.store(), operator.manager_id
        return await self._edited(
            operator, deal_id, request.query_params, lambda v: remove_deal_line(store, deal_id, line_id, by, v)
        )

    async def _amount(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Set the amount by hand: {"amount": decimal text}, or {"amount": null} to follow the lines again."""
        deal_id = path_id(request, "deal_id")
        if "amount" not in body:
            raise InvalidField("amount", "must be given: decimal text, or null to follow the product lines")
        store, by, amount = self._access.store(), operator.manager_id, body["amount"]
        return await self._edited(operator, deal_id, body, lambda v: set_deal_amount(store, deal_id, amount, by, v))

    async def _move(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Move to a stage: {"stage_id", "reason"? (needed for a lost stage), "expected_version"?}."""
        deal_id = path_id(request, "deal_id")
        stage = id_field(body, "stage_id", required=True)
        assert stage is not None  # required
        version = await move(self._access, operator, deal_id, stage, body.get("reason", ""), version_field(body))
        return {"id": str(deal_id), "version": version}

    async def _add_observer(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Let a manager follow the deal: {"observer_id"}."""
        deal_id = path_id(request, "deal_id")
        observer = id_field(body, "observer_id", required=True)
        assert observer is not None  # required
        store, by = self._access.store(), operator.manager_id
        return await self._edited(operator, deal_id, body, lambda v: add_deal_observer(store, deal_id, observer, by, v))

    async def _remove_observer(self, operator: Operator, request: Request, _: Body) -> Answer:
        """Stop a manager following the deal; ?expected_version."""
        deal_id, observer = path_id(request, "deal_id"), path_id(request, "manager_id")
        store, by = self._access.store(), operator.manager_id
        return await self._edited(
            operator, deal_id, request.query_params, lambda v: remove_deal_observer(store, deal_id, observer, by, v)
        )

    async def _responsible(self, operator: Operator, request: Request, body: Body) -> Answer:
        """Hand the deal to another manager: {"responsible_id", "expected_version"?}."""
        deal_id = path_id(request, "deal_id")
        manager = id_field(body, "responsible_id", required=True)
        assert manager is not None  # required
        store, by = self._access.store(), operator.manager_id
        return await self._edited(
            operator, deal_id, body, lambda v: change_deal_responsible(store, deal_id, manager, by, v)
        )

    async def _edited(self, operator: Operator, deal_id: UUID, params: Any, edit: Callable[[int], int]) -> Answer:  # noqa: ANN401 - a body or a query string
        version = await edit_deal(self._access, operator, deal_id, version_field(params), edit)
        return {"id": str(deal_id), "version": version}
