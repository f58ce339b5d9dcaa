"""What the routes of contacts, companies and leads share: their filters, list fields, and how their refusals answer.

Besides the statuses of ``sales_http``: a contact, company, lead or suggestion that does not exist is
404 like one the caller may not see; an address another contact has, an edit of a merged contact,
a suggestion already closed and a lead that cannot be qualified that way are 409
(``{"error", "field"?, "merged_into"?}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import AddressTaken, UnknownCompany, UnknownContact, UnknownLead, UnknownSuggestion
from domain.contact import ContactWasMerged
from domain.duplicates import SuggestionClosed
from domain.errors import InvalidField
from domain.lead import QualificationRefused
from services.console.accounts import Operator
from services.console.people_queries import PeopleFilter, search_text
from services.console.sales_access import NotVisible
from services.console.sales_http import Answer, Authenticate, Handler, guarded, query_id

Body = dict[str, Any]
MAX_FILTER_TEXT = 256
_UNKNOWN = {UnknownContact: "contact", UnknownCompany: "company", UnknownLead: "lead", UnknownSuggestion: "suggestion"}


def route(authenticate: Authenticate, path: str, method: str, handler: Handler) -> Route:
    """A route that runs ``handler`` for a logged-in operator, answering refusals as the module says."""

    async def refusing(operator: Operator, request: Request, body: Body) -> Answer:
        try:
            return await handler(operator, request, body)
        except tuple(_UNKNOWN) as unknown:
            msg = f"no {_UNKNOWN[type(unknown)]} among those you may see"
            raise NotVisible(msg) from None
        except AddressTaken as taken:
            # Whose it is is not told: the caller may not see that contact.
            error = f"'{taken.field}' belongs to another contact: merge the two contacts instead"
            return 409, {"error": error, "field": taken.field}
        except ContactWasMerged as merged:
            return 409, {"error": str(merged), "merged_into": str(merged.survivor_id)}
        except (SuggestionClosed, QualificationRefused) as closed:
            return 409, {"error": str(closed)}

    async def endpoint(request: Request) -> Response:
        return await guarded(authenticate, request, refusing)

    endpoint.__doc__ = f"{method} {path}: {handler.__doc__}"
    return Route(path, endpoint, methods=[method])


def texts_field(body: Mapping[str, Any], name: str) -> list[str] | None:
    """A list of texts in the body (each checked by the domain after); None when absent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidField(name, "must be a list of strings")
    return value


def object_field(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """A JSON object in the body (custom fields); None when absent or null."""
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise InvalidField(name, "must be an object of field names to values")
    return value


def text_or_none(params: Mapping[str, Any], name: str) -> str | None:
    """A one-line filter in a query string, or None when absent."""
    value = params.get(name)
    if value is None:
        return None
    if len(value) > MAX_FILTER_TEXT or not value.isprintable():
        raise InvalidField(name, f"must be one line of at most {MAX_FILTER_TEXT} characters")
    return str(value)


def people_filter(request: Request, operator: Operator, *, without: tuple[str, ...] = ()) -> PeopleFilter:
    """The filters a list was asked for: ?responsible (an id or me), ?company, ?tag, ?vip, ?source, ?status, ?q.

    A filter the list has not (one of ``without``) is refused, not ignored: the list would not be what was asked.
    """
    params = request.query_params
    for name in without:
        if name in params:
            raise InvalidField(name, "is no filter of this list")
    vip = params.get("vip")
    if vip not in (None, "true", "false"):
        raise InvalidField("vip", "must be true or false")
    return PeopleFilter(
        responsible_id=operator.manager_id if params.get("responsible") == "me" else query_id(request, "responsible"),
        company_id=query_id(request, "company"),
        tag=text_or_none(params, "tag"),
        vip=None if vip is None else vip == "true",
        source=text_or_none(params, "source"),
        status=text_or_none(params, "status"),
        search=search_text(params.get("q")),
    )
