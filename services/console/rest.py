"""REST for managers and ops: routing reasons, presence, capacity, hours and absences.

Every route needs ``Authorization: Bearer <session token>``; what a role may do
is checked here, on the server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from application.event_store import EventStore
from application.managers import add_absence, change_capacity, manager_load, set_working_hours
from application.routing_history import routing_history
from application.work_day import change_work_day
from domain.errors import DomainError
from domain.manager import MAX_CAPACITY
from domain.presence import MAX_SHIFTS, WEEKDAYS, Absence, InvalidSchedule, Shift, WorkingHours, zone
from domain.text import InvalidText, TextKind
from services.console.accounts import Operator
from services.console.lead_access import lead_visible
from services.console.paging import CursorShape, requested
from services.console.request_body import bad_request, json_object, optional_text_field, text_field

Authenticate = Callable[[Request], Awaitable[Operator | None]]
MAX_ACTION, MAX_TIMEZONE, MAX_DAY, MAX_REASON = 16, 64, 32, 500
ROUTING: CursorShape = ("int",)  # the place of the last event given


class NotVisible(LookupError):
    """What was asked for does not exist or may not be seen by the caller; both look the same."""


class Rest:
    """The REST routes, each calling one use case."""

    def __init__(self, store: Callable[[], EventStore], authenticate: Authenticate) -> None:
        self._store = store
        self._authenticate = authenticate

    async def routing(self, request: Request) -> Response:
        """GET /api/leads/{lead_id}/routing: a page of a lead's routing decisions, oldest first, with their reasons."""
        return await self._guarded(request, self._routing)

    async def work_day(self, request: Request) -> Response:
        """POST /api/work-day {"action": start|pause|resume|end}: the caller's own work day."""
        return await self._guarded(request, self._work_day)

    async def capacity(self, request: Request) -> Response:
        """PUT /api/managers/{manager_id}/capacity {"capacity": n}: heads, directors and admins only."""
        return await self._guarded(request, self._capacity)

    async def working_hours(self, request: Request) -> Response:
        """PUT /api/managers/{manager_id}/working-hours {"timezone", "shifts": [{"day","from","to"}]}."""
        return await self._guarded(request, self._working_hours)

    async def absences(self, request: Request) -> Response:
        """POST /api/managers/{manager_id}/absences {"first_day", "last_day", "reason"}."""
        return await self._guarded(request, self._absence)

    async def _guarded(self, request: Request, handler: Callable[..., Awaitable[Any]]) -> Response:
        operator = await self._authenticate(request)
        if operator is None:
            return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
        try:
            body = await json_object(request) if request.method in ("POST", "PUT") else {}
            return JSONResponse(await handler(operator, request, body))
        except NotVisible as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        except PermissionError as error:
            return JSONResponse({"error": str(error)}, status_code=403)
        except KeyError as error:
            return bad_request(f"the body needs {error}")
        except (DomainError, ValueError, TypeError) as error:
            return bad_request(str(error) or type(error).__name__)

    async def _routing(self, operator: Operator, request: Request, _: dict[str, Any]) -> dict[str, Any]:
        lead = _id(request, "lead_id")
        # Whether the lead exists and whether it may be seen get one answer: nothing tells them apart.
        if not await asyncio.to_thread(lead_visible, self._store(), operator, lead):
            msg = f"no lead {lead} among those you may see"
            raise NotVisible(msg)
        page = requested(request.query_params, ROUTING)
        history = await asyncio.to_thread(routing_history, self._store(), lead)
        start = page.after[0] + 1 if page.after is not None else 0
        given, more = page.of(list(enumerate(history))[start : start + page.limit + 1], lambda e: (e[0],))
        return {"lead_id": str(lead), "history": [_plain(e) for _, e in given], "next_cursor": more}

    async def _work_day(self, operator: Operator, _: Request, body: dict[str, Any]) -> dict[str, Any]:
        action = text_field(body, "action", max_length=MAX_ACTION, kind=TextKind.IDENTIFIER)
        return dict(await asyncio.to_thread(change_work_day, self._store(), operator.manager_id, action))

    async def _capacity(self, operator: Operator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        manager = _target(operator, request, others_allowed=operator.role.sees_everything, self_allowed=False)
        capacity = body.get("capacity")
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= MAX_CAPACITY:
            msg = f"'capacity' must be a whole number from 0 to {MAX_CAPACITY}"
            raise TypeError(msg)
        await asyncio.to_thread(change_capacity, self._store(), manager, capacity)
        return dict(await asyncio.to_thread(manager_load, self._store(), manager))

    async def _working_hours(self, operator: Operator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        manager = _target(operator, request, others_allowed=operator.role.sees_everything, self_allowed=True)
        listed = _list(body, "shifts")
        if len(listed) > MAX_SHIFTS:  # before reading each one
            msg = f"'shifts' may hold at most {MAX_SHIFTS} shifts"
            raise ValueError(msg)
        shifts = tuple(_shift(s) for s in listed)
        hours = WorkingHours(_timezone(body), shifts) if shifts else None
        await asyncio.to_thread(set_working_hours, self._store(), manager, hours)
        return {"manager_id": str(manager), "working_hours": hours.to_plain() if hours else None}

    async def _absence(self, operator: Operator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        manager = _target(operator, request, others_allowed=operator.role.sees_everything, self_allowed=True)
        absence = Absence(
            _date(body, "first_day"),
            _date(body, "last_day"),
            optional_text_field(body, "reason", max_length=MAX_REASON) or "",
        )
        await asyncio.to_thread(add_absence, self._store(), manager, absence)
        return {"manager_id": str(manager), "absence": absence.to_plain()}


def _id(request: Request, name: str) -> UUID:
    try:
        return UUID(request.path_params[name])
    except ValueError:
        msg = f"'{name}' must be a UUID"
        raise ValueError(msg) from None


def _target(operator: Operator, request: Request, *, others_allowed: bool, self_allowed: bool) -> UUID:
    manager = _id(request, "manager_id")
    mine = manager == operator.manager_id
    if (mine and not self_allowed and not others_allowed) or (not mine and not others_allowed):
        msg = "your role may not change this for that manager"
        raise PermissionError(msg)
    return manager


def _list(body: dict[str, Any], field: str) -> list[Any]:
    value = body.get(field, [])
    if not isinstance(value, list):
        msg = f"'{field}' must be a list"
        raise TypeError(msg)
    return value


def _day(body: dict[str, Any], field: str) -> str:
    return text_field(body, field, max_length=MAX_DAY, kind=TextKind.IDENTIFIER)


def _shift(shift: object) -> Shift:
    if not isinstance(shift, dict):
        msg = "each of 'shifts' must be an object with 'day', 'from' and 'to'"
        raise TypeError(msg)
    day = text_field(shift, "day", max_length=MAX_DAY, kind=TextKind.IDENTIFIER).lower()[:3]
    if day not in WEEKDAYS:
        msg = f"'day' must be one of {', '.join(WEEKDAYS)}"
        raise ValueError(msg)
    return Shift(WEEKDAYS.index(day), _time(shift, "from"), _time(shift, "to"))


def _date(body: dict[str, Any], field: str) -> date:
    try:
        return date.fromisoformat(_day(body, field))
    except ValueError as error:
        if isinstance(error, InvalidText):
            raise
        msg = f"'{field}' must be a date written YYYY-MM-DD"
        raise ValueError(msg) from None


def _time(shift: dict[str, Any], field: str) -> time:
    try:
        return time.fromisoformat(_day(shift, field))
    except ValueError as error:
        if isinstance(error, InvalidText):
            raise
        msg = f"'{field}' must be a time of day written HH:MM"
        raise ValueError(msg) from None


def _timezone(body: dict[str, Any]) -> str:
    name = text_field(body, "timezone", max_length=MAX_TIMEZONE, kind=TextKind.IDENTIFIER)
    try:
        zone(name)
    except InvalidSchedule:
        msg = "'timezone' must be an IANA time zone such as 'Europe/Riga'"
        raise ValueError(msg) from None
    return name


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(entry, default=_text))
    return plain


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
