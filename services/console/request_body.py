"""Reading what a client sent: one JSON object, its text fields under the one text rule.

Whatever a client sends is refused with a message that names the problem (a 400
for HTTP, an error frame on the console socket), never a crash: JSON that does
not parse, nests too deeply for the parser, or is not an object.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from domain import json_input
from domain.text import TextKind, checked_text


class BadInput(ValueError):
    """What a client sent cannot be read; ``code`` says how, the message says what to send instead."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def parse_object(raw: str | bytes) -> dict[str, Any]:
    """The JSON object in ``raw``, or BadInput with code ``invalid_json`` or ``invalid_frame``."""
    try:
        value = json_input.loads(raw)
    except ValueError:  # UnicodeDecodeError and nesting too deep are ValueErrors too
        raise BadInput("invalid_json", "send valid JSON, UTF-8 encoded and not nested too deeply") from None
    if not isinstance(value, dict):
        raise BadInput("invalid_frame", "send a JSON object")
    return value


async def json_object(request: Request) -> dict[str, Any]:
    """The request's body as a JSON object (its size was checked before it reached the route)."""
    return parse_object(await request.body())


def text_field(body: dict[str, Any], field: str, *, max_length: int, kind: TextKind = TextKind.LINE) -> str:
    """``body[field]`` if it is text that keeps the rule; else InvalidText naming the field."""
    return checked_text(field, body.get(field), max_length=max_length, kind=kind)


def optional_text_field(
    body: dict[str, Any], field: str, *, max_length: int, kind: TextKind = TextKind.LINE
) -> str | None:
    """Like ``text_field``, but None when the field is absent or null (and empty text allowed)."""
    value = body.get(field)
    if value is None:
        return None
    return checked_text(field, value, max_length=max_length, kind=kind, required=False)


def bad_request(detail: str) -> JSONResponse:
    """A 400 whose message says what to send instead (ASCII-escaped, so any text in it can be encoded)."""
    return _AsciiJSON({"error": detail}, status_code=400)


class _AsciiJSON(JSONResponse):
    def render(self, content: Any) -> bytes:  # noqa: ANN401 - what JSONResponse takes
        return json.dumps(content, separators=(",", ":")).encode()
