"""REST for reports: ``GET /api/reports`` lists them, ``GET /api/reports/{name}`` answers one.

The answer is JSON (``{"report", "columns", "rows"}``, each row an object by column) or, with
``?format=csv`` or ``?format=xlsx``, a file. A list report (won deals, overdue deals, expected sales)
is given a page at a time (``limit``, 1,000 rows unless asked, and ``cursor``: the ``next`` of the
page before); its file holds every row, a CSV sent as it is read. A report covers the records the caller's role may see
of reports: a manager's own, a head's department's, a director's everyone's; a file needs the export
permission, and covers what the role may export. Refusals are answered as the other CRM routes do.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.errors import DomainError, InvalidField
from domain.permissions import Action, Entity, Scope
from services.console.paging import CursorShape, Page, decode
from services.console.report_catalogue import REPORTS, Report
from services.console.report_filters import ReportFilter, report_filter
from services.console.report_sql import LIST_PAGE
from services.console.sales_access import NotAllowed, NotVisible, SalesAccess
from services.console.sales_acts import acting
from services.console.sales_http import Authenticate, refusal
from services.console.sales_queries import plain
from services.console.tabular_export import Table, TableFormat, csv_part, file_response, streamed_csv

log = structlog.get_logger()
MAX_REPORT_PAGE = 10_000  # rows of one page of a list report
EXPORT_PAGE = 5_000  # rows read at a time for an export
UNAUTHENTICATED = {"error": "log in first: Authorization: Bearer <token>"}


class ReportsApi:
    """The routes of reports."""

    def __init__(self, access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate

    def routes(self) -> list[BaseRoute]:
        """Every route of reports."""
        return [
            Route("/api/reports", self.listed, methods=["GET"]),
            Route("/api/reports/{name}", self.report, methods=["GET"]),
        ]

    async def listed(self, request: Request) -> Response:
        """The reports there are, what each shows and the filters it takes."""
        if await self._authenticate(request) is None:
            return JSONResponse(UNAUTHENTICATED, status_code=401)
        return JSONResponse(
            {"reports": [{"name": r.name, "about": r.about, "filters": list(r.takes)} for r in REPORTS.values()]}
        )

    async def report(self, request: Request) -> Response:
        """One report in the caller's scope, filtered by the query string, as JSON or a file."""
        operator = await self._authenticate(request)
        if operator is None:
            return JSONResponse(UNAUTHENTICATED, status_code=401)
        name = request.path_params["name"]
        params = request.query_params
        try:
            found = REPORTS.get(name)
            if found is None:
                msg = f"no report named {name[:60]!r}; GET /api/reports lists them"
                raise NotVisible(msg)
            form = _format(params.get("format"))
            who = await acting(self._access, operator)
            action = Action.VIEW if form is None else Action.EXPORT
            if self._access.permissions.scope(who.role, Entity.REPORT, action) is Scope.NONE:
                msg = f"your role may not {action.value} reports"
                raise NotAllowed(msg)
            holders = self._access.permissions.visible_holders(who, Entity.REPORT, action)
            shown = None if holders is None else tuple(sorted(holders))
            page = asked_page(params, found.pages)
            if form is not None and found.pages is not None:
                page = Page(EXPORT_PAGE)  # an export is every row, whatever page was shown
            asked = replace(report_filter(params, found.takes, operator.manager_id, shown), page=page)
            table = await found.build(self._pool(), asked)
        except (DomainError, ValueError, TypeError) as error:
            return refusal(error)
        log.info("report_read", report=name, manager_id=str(operator.manager_id), rows=len(table.rows), format=form)
        if form is not None:
            return await self._file(found, asked, table, form)
        rows = [plain(dict(zip(table.columns, row, strict=True))) for row in table.rows]
        body: dict[str, object] = {"report": name, "columns": list(table.columns), "rows": rows}
        if found.pages is not None:
            body["next"] = table.next
        return Response(json.dumps(body), media_type="application/json")

    async def _file(self, found: Report, asked: ReportFilter, first: Table, form: TableFormat) -> Response:
        """The report as a file: a report given in pages is written page after page, a CSV sent as it is made."""
        if first.next is None:
            return file_response(first, form)
        pool = self._pool()

        async def pages() -> AsyncIterator[Table]:
            table = first
            yield table
            while table.next is not None:
                table = await found.build(
                    pool, replace(asked, page=Page(EXPORT_PAGE, decode(table.next, found.pages or ())))
                )
                yield table

        if form is TableFormat.CSV:

            async def parts() -> AsyncIterator[bytes]:
                async for table in pages():
                    yield csv_part(table.rows, first.columns if table is first else None)

            return streamed_csv(first.title, parts())
        rows = [row async for table in pages() for row in table.rows]
        return file_response(Table(first.title, first.columns, rows), form)


def asked_page(params: Mapping[str, str], shape: CursorShape | None) -> Page | None:
    """The page of a list report the query string asks for (None: the first); InvalidField naming a bad part."""
    if shape is None:
        for name in ("limit", "cursor"):
            if name in params:
                raise InvalidField(name, "is not taken by this report: it is given whole")
        return None
    limit, cursor = params.get("limit"), params.get("cursor")
    chosen = LIST_PAGE if limit is None else int(limit) if limit.isascii() and limit.isdigit() and len(limit) < 6 else 0  # noqa: PLR2004
    if not 1 <= chosen <= MAX_REPORT_PAGE:
        raise InvalidField("limit", f"must be a whole number from 1 to {MAX_REPORT_PAGE}")
    return Page(chosen, None if cursor is None else decode(cursor, shape))


def _format(value: str | None) -> TableFormat | None:
    if value is None or value == "json":
        return None
    try:
        return TableFormat(value)
    except ValueError:
        raise InvalidField("format", "must be json, csv or xlsx") from None
