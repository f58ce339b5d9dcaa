"""``POST /api/imports``: import contacts from a file (CSV or vCard) as a job, or preview it (``?dry_run=true``).

An import may complete any contact a row matches and create companies, so it takes the right to
create and edit every contact and company (``Scope.ALL`` in the permission rule: directors and
admins by default). The file is the raw body, named by ``X-Filename``; a header mapping may be given
as ``?mapping=column=field,...``. A file that cannot be read at all is refused at once (400); one
that can is kept as an import job and answered with 202, the job's id and its address, where
``GET /api/imports/{id}`` tells its progress and, once done, the report: counts, and each refused
row's line, column and reason. The dry run changes nothing and answers with its report directly.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from urllib.parse import unquote
from uuid import UUID

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from application.event_store import EventStore
from connectors.imports import UnreadableFile
from domain.import_rows import import_id
from domain.permissions import Action, Entity, Permissions, Role, Scope
from domain.text import InvalidText, TextKind, checked_text
from services.console.sales_http import Authenticate
from services.imports.command import mapping_of
from services.imports.jobs import ImportJobs, job_state, submit
from services.imports.reading import read_file
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


class ImportsApi:
    """``POST /api/imports`` and ``GET /api/imports/{id}``."""

    def __init__(  # noqa: PLR0913 - what an import needs from the gateway
        self,
        store: Callable[[], EventStore],
        pool: Callable[[], asyncpg.Pool],
        authenticate: Authenticate,
        permissions: Permissions,
        jobs: Callable[[], ImportJobs],
        default_region: str,
    ) -> None:
        self._store, self._pool, self._authenticate = store, pool, authenticate
        self._permissions, self._jobs, self._region = permissions, jobs, default_region

    def routes(self) -> list[Route]:
        """The routes, to mount in the gateway."""
        return [Route(PATH, self.submit, methods=["POST"]), Route(f"{PATH}/{{job_id}}", self.progress, methods=["GET"])]

    async def submit(self, request: Request) -> Response:
        """Keep the file as an import job (202), or answer the dry run's report; 400 if it cannot be read."""
        by = await self._importer(request)
        if isinstance(by, Response):
            return by
        try:
            asked = await _asked(request, by)
        except (InvalidText, UnicodeDecodeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        try:
            if asked.dry_run:
                report = await run_import(self._store(), self._pool(), asked, default_region=self._region)
                return JSONResponse(report.as_dict())
            await asyncio.to_thread(read_file, asked.data, asked.filename, asked.mapping, self._region)
        except UnreadableFile as error:
            return JSONResponse({"error": f"{error}; nothing was imported"}, status_code=400)
        sha256 = hashlib.sha256(asked.data).hexdigest()
        job_id = await submit(self._pool(), import_id(sha256), sha256, asked)
        self._jobs().wake()
        log.info("import_job_submitted", manager_id=str(by), job_id=str(job_id), filename=asked.filename)
        url = f"{PATH}/{job_id}"
        answer = {"id": str(job_id), "url": url, "status": "queued"}
        return JSONResponse(answer, status_code=202, headers={"Location": url})

    async def progress(self, request: Request) -> Response:
        """Where an import job stands, and its report once done."""
        by = await self._importer(request)
        if isinstance(by, Response):
            return by
        try:
            job_id = UUID(request.path_params["job_id"])
        except ValueError:
            return JSONResponse({"error": "'id' must be an import's id (a UUID)"}, status_code=400)
        state = await job_state(self._pool(), job_id)
        if state is None:
            return JSONResponse({"error": f"no import {job_id}"}, status_code=404)
        return JSONResponse(state)

    async def _importer(self, request: Request) -> UUID | Response:
        operator = await self._authenticate(request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        if not may_import(self._permissions, Role(operator.role.value)):
            return JSONResponse({"error": "your role may not import contacts"}, status_code=403)
        return operator.manager_id


async def _asked(request: Request, by: UUID) -> ImportRequest:
    """The file and how to import it, each part checked; InvalidText or ValueError naming what is wrong."""
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
    data = await request.body()  # within the import limit: checked before the route is reached
    if not data:
        msg = "the body must hold the file's bytes; it is empty"
        raise ValueError(msg)
    return ImportRequest(data, filename, by, dry_run, mapping)


def _dry_run(text: str) -> bool:
    if text not in ("true", "false"):
        msg = "'dry_run' must be true or false"
        raise ValueError(msg)
    return text == "true"
