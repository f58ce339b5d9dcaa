"""``POST /api/imports``: import contacts from a file's bytes (CSV or vCard), or preview it with ``?dry_run=true``.

An import may complete any contact a row matches and create companies, so it takes the right to
create and edit every contact and company (``Scope.ALL`` in the permission rule: directors and
admins by default). The file is the raw body, named by ``X-Filename``; a header mapping may be given
as ``?mapping=column=field,...``. The answer is the report: counts, and each refused row's line,
column and reason.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from application.event_store import EventStore
from connectors.imports import UnreadableFile
from domain.permissions import Action, Entity, Permissions, Role, Scope
from domain.text import InvalidText, TextKind, checked_text
from services.console.sales_http import Authenticate
from services.imports.command import mapping_of
from services.imports.runner import ImportRequest, run_import

log = structlog.get_logger()
PATH = "/api/imports"
MAX_FILENAME_LENGTH = 255
MAX_MAPPING_LENGTH = 4_000


def may_import(permissions: Permissions, role: Role) -> bool:
    """Whether the role may create and edit every contact and company, as an import does."""
    return all(
        permissions.scope(role, entity, action) is Scope.ALL
        for entity in (Entity.CONTACT, Entity.COMPANY)
        for action in (Action.CREATE, Action.EDIT)
    )


def imports_route(  # noqa: PLR0913 - what an import needs from the gateway
    store: Callable[[], EventStore],
    pool: Callable[[], asyncpg.Pool],
    authenticate: Authenticate,
    permissions: Permissions,
    batch_size: int,
    default_region: str,
) -> Route:
    """The route of ``POST /api/imports``."""

    async def endpoint(request: Request) -> Response:
        operator = await authenticate(request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        if not may_import(permissions, Role(operator.role.value)):
            return JSONResponse({"error": "your role may not import contacts"}, status_code=403)
        try:
            dry_run = _dry_run(request.query_params.get("dry_run", "false"))
            filename = checked_text(
                "X-Filename", unquote(request.headers.get("x-filename", ""), errors="strict"),
                max_length=MAX_FILENAME_LENGTH, kind=TextKind.LINE,
            )  # fmt: skip
            given = checked_text(
                "mapping", request.query_params.get("mapping", ""), max_length=MAX_MAPPING_LENGTH,
                kind=TextKind.LINE, required=False,
            )  # fmt: skip
            mapping = mapping_of(given)
        except (InvalidText, UnicodeDecodeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        data = await request.body()  # within the import limit: checked before the route is reached
        if not data:
            return JSONResponse({"error": "the body must hold the file's bytes; it is empty"}, status_code=400)
        try:
            report = await run_import(
                store(), pool(), ImportRequest(data, filename, operator.manager_id, dry_run, mapping),
                batch_size=batch_size, default_region=default_region,
            )  # fmt: skip
        except UnreadableFile as error:
            return JSONResponse({"error": f"{error}; nothing was imported"}, status_code=400)
        log.info("contacts_imported", manager_id=str(operator.manager_id), import_id=report.import_id, dry_run=dry_run)
        return JSONResponse(report.as_dict())

    return Route(PATH, endpoint, methods=["POST"])


def _dry_run(text: str) -> bool:
    if text not in ("true", "false"):
        msg = "'dry_run' must be true or false"
        raise ValueError(msg)
    return text == "true"
