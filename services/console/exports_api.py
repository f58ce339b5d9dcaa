"""Exports of contacts, companies, leads and deals as CSV or XLSX, in the scope the caller's role may export.

``GET /api/exports/{contacts|companies|leads|deals}?format=csv|xlsx`` takes the filters of the list
it exports (``?responsible``, ``?company``, ``?tag``, ``?vip``, ``?source``, ``?status``, ``?q``;
deals ``?pipeline``, ``?stage``, ``?responsible``) and answers a file of every matching record the
role may export (``Action.EXPORT`` in ``domain/permissions.py``: a manager their own, a head their
department's, a director and an admin everyone's); a role that may export none gets 403. Files are
written through ``tabular_export``, which neutralises formulas. An export past ``MAX_EXPORT_ROWS``
is refused (400): it asks for narrower filters rather than a file no spreadsheet opens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.errors import DomainError, InvalidField
from domain.permissions import Action, Entity, Scope
from services.console.accounts import Operator
from services.console.paging import Page
from services.console.people_http import people_filter
from services.console.people_queries import companies, contacts, leads
from services.console.sales_access import NotAllowed, NotVisible, SalesAccess
from services.console.sales_acts import acting
from services.console.sales_http import Authenticate, query_id, refusal
from services.console.sales_queries import DealFilter, Visible, deals
from services.console.tabular_export import Table, TableFormat, file_response

log = structlog.get_logger()

MAX_EXPORT_ROWS = 100_000
PAGE_ROWS = 1000
UNAUTHENTICATED = {"error": "log in first: Authorization: Bearer <token>"}
Fetch = Callable[[asyncpg.Pool, Visible, Page], Awaitable[tuple[list[dict[str, Any]], str | None]]]


@dataclass(frozen=True)
class Export:
    """One kind of record as a file: its entity, columns, and how one row of its list becomes a line."""

    entity: Entity
    columns: tuple[str, ...]
    line: Callable[[dict[str, Any]], Sequence[object]]


def _joined(values: object) -> str:
    if not isinstance(values, list):
        return "" if values is None else str(values)
    return "; ".join(str(v.get("number", v)) if isinstance(v, dict) else str(v) for v in values)


EXPORTS = {
    "contacts": Export(
        Entity.CONTACT,
        (
            *("id", "name", "phones", "emails", "messenger_ids", "company", "responsible_id", "source"),
            *("vip", "language", "region", "tags", "created_at"),
        ),
        lambda c: (
            *(c["id"], c["name"], _joined(c["phones"]), _joined(c["emails"]), _joined(c["messenger_ids"])),
            *((c["company"] or {}).get("name", ""), c["responsible_id"], c["source"], c["vip"], c["language"]),
            *(c["region"], _joined(c["tags"]), c["created_at"]),
        ),
    ),
    "companies": Export(
        Entity.COMPANY,
        ("id", "name", "domain", "address", "industry", "phones", "emails", "responsible_id", "created_at"),
        lambda c: (
            *(c["id"], c["name"], c["domain"], c["address"], c["industry"], _joined(c["phones"])),
            *(_joined(c["emails"]), c["responsible_id"], c["created_at"]),
        ),
    ),
    "leads": Export(
        Entity.LEAD,
        (
            *("id", "status", "reason", "routing", "source", "channel", "amount", "currency", "product_interest"),
            *("comment", "contact", "responsible_id", "created_at"),
        ),
        lambda lead: (
            *(lead["id"], lead["status"], lead["reason"], lead["routing"], lead["source"], lead["channel"]),
            *(lead["amount"], lead["currency"], lead["product_interest"], lead["comment"]),
            *((lead["contact"] or {}).get("name", ""), lead["responsible_id"], lead["created_at"]),
        ),
    ),
    "deals": Export(
        Entity.DEAL,
        (
            *("id", "title", "pipeline_id", "stage", "stage_kind", "amount", "currency", "probability"),
            *("expected_close", "contact_id", "company_id", "responsible_id", "opened_at", "closed_at", "outcome"),
        ),
        lambda d: (
            *(d["id"], d["title"], d["pipeline_id"], d["stage_name"], d["stage_kind"], d["amount"], d["currency"]),
            *(d["probability"], d["expected_close"], d["contact_id"], d["company_id"], d["responsible_id"]),
            *(d["opened_at"], d["closed_at"], d["outcome"]),
        ),
    ),
}


class ExportsApi:
    """The export routes."""

    def __init__(self, access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate

    def routes(self) -> list[BaseRoute]:
        """Every export route."""
        return [Route("/api/exports/{kind}", self.export, methods=["GET"])]

    async def export(self, request: Request) -> Response:
        """Every record of one kind the caller may export, filtered as its list is, as CSV or XLSX."""
        operator = await self._authenticate(request)
        if operator is None:
            return JSONResponse(UNAUTHENTICATED, status_code=401)
        kind = request.path_params["kind"]
        try:
            export = EXPORTS.get(kind)
            if export is None:
                msg = f"nothing to export named {kind[:60]!r}; there are {', '.join(EXPORTS)}"
                raise NotVisible(msg)
            form = _format(request.query_params.get("format"))
            who = await acting(self._access, operator)
            if self._access.permissions.scope(who.role, export.entity, Action.EXPORT) is Scope.NONE:
                msg = f"your role may not export {kind}"
                raise NotAllowed(msg)
            seen = Visible.of(self._access.permissions, who, export.entity, Action.EXPORT)
            rows = await _all(self._pool(), seen, _fetch(kind, request, operator))
        except (DomainError, ValueError, TypeError) as error:
            return refusal(error)
        log.info("records_exported", kind=kind, manager_id=str(operator.manager_id), rows=len(rows), format=form)
        return file_response(Table(kind, export.columns, [export.line(row) for row in rows]), form)


def _fetch(kind: str, request: Request, operator: Operator) -> Fetch:
    """How to read one page of ``kind`` as its list filters it."""
    if kind == "deals":
        for name in ("company", "tag", "vip", "source", "status", "q"):
            if name in request.query_params:
                raise InvalidField(name, "is no filter of deals")
        responsible = request.query_params.get("responsible")
        only = DealFilter(
            pipeline_id=query_id(request, "pipeline"),
            stage_id=query_id(request, "stage"),
            responsible_id=operator.manager_id if responsible == "me" else query_id(request, "responsible"),
        )
        return lambda pool, seen, page: deals(pool, seen, page, only)
    if kind == "companies":
        found = people_filter(request, operator, without=("company", "tag", "vip", "source", "status"))
        return lambda pool, seen, page: companies(pool, seen, page, found)
    if kind == "contacts":
        found = people_filter(request, operator, without=("status",))
        return lambda pool, seen, page: contacts(pool, seen, page, found)
    found = people_filter(request, operator)
    return lambda pool, seen, page: leads(pool, seen, page, found)


async def _all(pool: asyncpg.Pool, seen: Visible, fetch: Fetch) -> list[dict[str, Any]]:
    """Every row, page after page; InvalidField if there are more than an export takes."""
    rows: list[dict[str, Any]] = []
    page = Page(PAGE_ROWS)
    while True:
        found, _ = await fetch(pool, seen, page)
        rows += found
        if len(found) < page.limit:
            return rows
        if len(rows) >= MAX_EXPORT_ROWS:
            msg = f"matches more than {MAX_EXPORT_ROWS} records: narrow the filters"
            raise InvalidField("filters", msg)
        last = found[-1]
        page = Page(PAGE_ROWS, _after(last))


def _after(row: dict[str, Any]) -> tuple[Any, ...]:
    """The sort key of a list's last row, where the next page starts."""
    at = row.get("opened_at") or row["created_at"]
    return (datetime.fromisoformat(at) if isinstance(at, str) else at, UUID(str(row["id"])))


def _format(value: str | None) -> TableFormat:
    try:
        return TableFormat(value or "csv")
    except ValueError:
        raise InvalidField("format", "must be csv or xlsx") from None
