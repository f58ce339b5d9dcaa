"""The pieces every operation of the gateway's OpenAPI document is written with: answers, ids, pages, sessions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.console.paging import MAX_CURSOR, MAX_PAGE

BEARER: list[dict[str, list[str]]] = [{"session": []}]
PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
    {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": MAX_CURSOR}},
]
SAID = {
    200: "done",
    201: "made",
    202: "taken: it runs in the background, and the answer says where to follow it",
    400: "bad input; the error names the field",
    401: "no valid session",
    403: "the role may not",
    404: "no such thing among those the caller may see",
    409: "exists already, or changed since the expected_version sent (current_version says to what)",
    410: "gone",
    413: "body too large",
    429: "too many; Retry-After says when to try again",
    503: "degraded",
}


def path_id(name: str) -> dict[str, Any]:
    """A path parameter that is an id."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}


def query(name: str, schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    """An optional query parameter."""
    parameter = {"name": name, "in": "query", "schema": schema}
    return parameter | ({"description": description} if description else {})


def answers(*codes: int, ok: int = 200) -> dict[str, Any]:
    """The responses of an operation: ``ok`` when it succeeds, and each of ``codes``."""
    return {str(code): {"description": SAID[code]} for code in (ok, *codes)}


def operation(summary: str, *codes: int, body: type[BaseModel] | None = None, **extra: Any) -> dict[str, Any]:  # noqa: ANN401
    """One operation, its JSON body described by ``body``'s schema."""
    described: dict[str, Any] = {"summary": summary, "responses": answers(*codes, ok=extra.pop("ok", 200))}
    if body is not None:
        schema = body.model_json_schema(by_alias=True)
        described["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return described | extra


def authed(summary: str, *codes: int, **extra: Any) -> dict[str, Any]:  # noqa: ANN401
    """One operation for the bearer of a session."""
    return operation(summary, 401, *codes, security=BEARER, **extra)
