"""REST for admins: list, make and remove operator accounts, and set their passwords.

Every route needs an admin's session (``Authorization: Bearer``), checked here on the server: 401
without a session, 403 for any other role. A changed password or a removed account ends that
account's sessions, so its open consoles are closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from application.event_store import EventStore
from domain.text import InvalidText
from services.console.account_admin import AccountExists, NewAccount, checked_password, create_account
from services.console.accounts import Operator, Role, change_password, list_accounts, remove_account
from services.console.paging import BadPage, CursorShape, requested
from services.console.request_body import BadInput, bad_request, json_object

log = structlog.get_logger()

Authenticate = Callable[[Request], Awaitable[Operator | None]]
ACCOUNTS: CursorShape = ("text",)  # the e-mail of the last account given


class AccountRoutes:
    """The account routes, each for admins only."""

    def __init__(self, store: Callable[[], EventStore], pool: Callable[[], Any], authenticate: Authenticate) -> None:
        self._store = store
        self._pool = pool
        self._authenticate = authenticate

    async def listed(self, request: Request) -> Response:
        """GET /api/accounts?limit=&cursor=: a page of the accounts, by e-mail."""
        return await self._for_admins(request, self._listed)

    async def create(self, request: Request) -> Response:
        """POST /api/accounts {"email", "name", "role", "password", "team"?, "capacity"?}: 201 with the account."""
        return await self._for_admins(request, self._create)

    async def password(self, request: Request) -> Response:
        """PUT /api/accounts/{manager_id}/password {"password"}: the account's sessions end."""
        return await self._for_admins(request, self._password)

    async def remove(self, request: Request) -> Response:
        """DELETE /api/accounts/{manager_id}: the account goes and its sessions end; the manager stays in the log."""
        return await self._for_admins(request, self._remove)

    async def _for_admins(
        self, request: Request, handler: Callable[[Operator, Request], Awaitable[Response]]
    ) -> Response:
        admin = await self._authenticate(request)
        if admin is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        if admin.role is not Role.ADMIN:
            return JSONResponse({"error": "accounts are managed by admins"}, status_code=403)
        try:
            return await handler(admin, request)
        except (BadInput, InvalidText, BadPage) as error:
            return bad_request(str(error))

    async def _listed(self, _: Operator, request: Request) -> Response:
        page = requested(request.query_params, ACCOUNTS)
        after = page.after[0] if page.after is not None else ""
        accounts = [a for a in await list_accounts(self._pool()) if a.email > after][: page.limit + 1]
        given, more = page.of(accounts, lambda a: (a.email,))
        return JSONResponse({"accounts": [a.as_dict() for a in given], "next_cursor": more})

    async def _create(self, admin: Operator, request: Request) -> Response:
        new = NewAccount.from_fields(await json_object(request), self._store().team)
        try:
            made = await create_account(self._store(), self._pool(), new)
        except AccountExists as error:
            return JSONResponse({"error": str(error)}, status_code=409)
        log.info("account_added", manager_id=str(made.manager_id), role=made.role, by=str(admin.manager_id))
        return JSONResponse({"account": made.as_dict()}, status_code=201)

    async def _password(self, admin: Operator, request: Request) -> Response:
        manager = _manager_id(request)
        password = checked_password((await json_object(request)).get("password"))
        if manager is None or not await change_password(self._pool(), manager, password):
            return _no_such_account()
        log.info("account_password_changed", manager_id=str(manager), by=str(admin.manager_id))
        return JSONResponse({"manager_id": str(manager), "password": "changed"})

    async def _remove(self, admin: Operator, request: Request) -> Response:
        manager = _manager_id(request)
        if manager == admin.manager_id:
            return bad_request("an admin may not remove their own account")
        if manager is None or not await remove_account(self._pool(), manager):
            return _no_such_account()
        log.info("account_removed", manager_id=str(manager), by=str(admin.manager_id))
        return JSONResponse({"manager_id": str(manager), "removed": True})


def _manager_id(request: Request) -> UUID | None:
    try:
        return UUID(request.path_params["manager_id"])
    except ValueError:
        return None


def _no_such_account() -> Response:
    return JSONResponse({"error": "no account with that id"}, status_code=404)
