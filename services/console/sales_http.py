"""How the CRM's REST routes answer: JSON in and out, and each refusal with the status that says why.

- 400 ``{"error", "field"}``: what was sent is wrong; ``field`` names it (null when the body as a whole is).
- 401: no valid session.
- 403 ``{"error"}``: the record may be seen, but the role may not do this with it.
- 404 ``{"error"}``: no such record among those the user may see, the same whether it exists or not.
- 409 ``{"error", "current_version"}``: the record changed since the ``expected_version`` sent.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from application.errors import ConcurrentEdit, UnknownActivity, UnknownDeal, UnknownPipeline, UnknownProduct
from domain.errors import DomainError, InvalidField
from domain.text import InvalidText
from services.console.accounts import Operator
from services.console.request_body import BadInput, json_object
from services.console.sales_access import NotAllowed, NotVisible

log = structlog.get_logger()

Authenticate = Callable[[Request], Awaitable[Operator | None]]
Answer = dict[str, Any] | tuple[int, dict[str, Any]]  # the body, or a status and the body
Handler = Callable[[Operator, Request, dict[str, Any]], Awaitable[Answer]]
MAX_VERSION = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 1900, 9998
_UNKNOWN = (UnknownActivity, UnknownDeal, UnknownPipeline, UnknownProduct)


async def guarded(authenticate: Authenticate, request: Request, handler: Handler) -> Response:
    """Run ``handler`` for the logged-in operator with the request's JSON body; errors as the module says."""
    operator = await authenticate(request)
    if operator is None:
        return JSONResponse({"error": "log in first: Authorization: Bearer <token>"}, status_code=401)
    try:
        body = await json_object(request) if request.method in ("POST", "PUT", "PATCH") else {}
        answer = await handler(operator, request, body)
    except (BadInput, DomainError, ValueError, TypeError) as error:
        return refusal(error)
    status, content = answer if isinstance(answer, tuple) else (200, answer)
    return _json(content, status)


def refusal(error: Exception) -> Response:
    """The answer to what a route refused."""
    if isinstance(error, ConcurrentEdit):
        return _json({"error": str(error), "current_version": error.current_version}, 409)
    if isinstance(error, NotAllowed):
        return _json({"error": str(error)}, 403)
    if isinstance(error, NotVisible):
        return _json({"error": str(error)}, 404)
    if isinstance(error, _UNKNOWN):
        # The use case names the record; the answer is the same as for one the user may not see.
        what = type(error).__name__.removeprefix("Unknown").lower()
        return _json({"error": f"no {what} among those you may see"}, 404)
    if isinstance(error, InvalidField | InvalidText):
        return _json({"error": str(error), "field": error.field}, 400)
    return _json({"error": str(error) or type(error).__name__, "field": None}, 400)


def _json(content: dict[str, Any], status: int) -> Response:
    # ASCII-escaped, as every 400 of the gateway is: any text in it can be encoded.
    return Response(json.dumps(content, default=_text), status_code=status, media_type="application/json")


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def given(body: Mapping[str, Any], name: str) -> Any:  # noqa: ANN401 - what the client sent, checked by the domain
    """A field as the client sent it (None when absent), for the domain to check and name when wrong."""
    return body.get(name)


def path_id(request: Request, name: str) -> UUID:
    """An id in the path; 400 naming it when it is not one."""
    return _uuid(request.path_params[name], name)


def query_id(request: Request, name: str) -> UUID | None:
    """An id in the query string, or None when absent."""
    value = request.query_params.get(name)
    return None if value is None else _uuid(value, name)


def id_field(body: Mapping[str, Any], name: str, *, required: bool = False) -> UUID | None:
    """An id in the body (text); None when absent or null, unless ``required``."""
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidField(name, "is required: an id")
        return None
    return _uuid(value, name)


def ids_field(body: Mapping[str, Any], name: str) -> list[UUID]:
    """A list of ids in the body; empty when absent."""
    value = body.get(name, [])
    if not isinstance(value, list):
        raise InvalidField(name, "must be a list of ids")
    return [_uuid(item, f"{name}[{n}]") for n, item in enumerate(value)]


def version_field(body: Mapping[str, Any], name: str = "expected_version") -> int | None:
    """The version the editor saw, if they sent one: a whole number from 1."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 11:  # noqa: PLR2004 - in a query
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise InvalidField(name, "must be the record's version, a whole number from 1")
    return value


def moment_field(body: Mapping[str, Any], name: str) -> datetime | None:
    """A date and time with its zone, as ISO text ("2026-03-01T09:30:00+02:00"); None when absent or null.

    Years from 1900 to 9998 only: a time at the ends of what Python holds cannot be put in UTC, which
    every store of it does.
    """
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= 40:  # noqa: PLR2004 - longer than any ISO time
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if at.utcoffset() is not None and FIRST_YEAR <= at.year <= LAST_YEAR:
                return at
    raise InvalidField(name, "must be a date and time with its time zone, such as 2026-03-01T09:30:00+02:00")


def flag_field(body: Mapping[str, Any], name: str, default: bool | None = None) -> bool | None:
    """A true or false; ``default`` when absent."""
    value = body.get(name, default)
    if value is not None and not isinstance(value, bool):
        raise InvalidField(name, "must be true or false")
    return value


def whole_field(body: Mapping[str, Any], name: str) -> int | None:
    """A whole number (not a bool); None when absent or null."""
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidField(name, "must be a whole number")
    return value


def _uuid(value: object, name: str) -> UUID:
    if isinstance(value, str) and len(value) <= 36:  # noqa: PLR2004 - the length of a written UUID
        try:
            return UUID(value)
        except ValueError:
            pass
    raise InvalidField(name, f"must be an id (a UUID), not {str(value)[:40]!r}")
