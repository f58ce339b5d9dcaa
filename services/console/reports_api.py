"""REST for reports: ``GET /api/reports`` lists them, ``GET /api/reports/{name}`` answers one.

The answer is JSON (``{"report", "columns", "rows"}``, each row an object by column) or, with
``?format=csv`` or ``?format=xlsx``, a file. A report covers the records the caller's role may see
of reports: a manager's own, a head's department's, a director's everyone's; a file needs the export
permission, and covers what the role may export. Refusals are answered as the other CRM routes do.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.errors import DomainError, InvalidField
from domain.permissions import Action, Entity, Scope
from services.console.report_catalogue import REPORTS
from services.console.report_filters import report_filter
from services.console.sales_access import NotAllowed, NotVisible, SalesAccess
from services.console.sales_acts import acting
from services.console.sales_http import Authenticate, refusal
from services.console.sales_queries import plain
from services.console.tabular_export import TableFormat, file_response

log = structlog.get_logger()
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
            table = await found.build(self._pool(), report_filter(params, found.takes, operator.manager_id, shown))
        except (DomainError, ValueError, TypeError) as error:
            return refusal(error)
        log.info("report_read", report=name, manager_id=str(operator.manager_id), rows=len(table.rows), format=form)
        if form is not None:
            return file_response(table, form)
        rows = [plain(dict(zip(table.columns, row, strict=True))) for row in table.rows]
        body = {"report": name, "columns": list(table.columns), "rows": rows}
        return Response(json.dumps(body), media_type="application/json")


def _format(value: str | None) -> TableFormat | None:
    if value is None or value == "json":
        return None
    try:
        return TableFormat(value)
    except ValueError:
        raise InvalidField("format", "must be json, csv or xlsx") from None
