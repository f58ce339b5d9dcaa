"""Pages of a list: at most ``limit`` rows, and a cursor to the next page when there is one.

A cursor is opaque to clients: the sort key of the last row given, as base64url JSON. It is checked
against the shape its list uses (``CursorShape``), so a cursor made up or taken from another list is
refused with 400 rather than read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import json_input
from domain.errors import InvalidField

MAX_PAGE = 200
DEFAULT_PAGE = 100
CRM_PAGE = 50  # the CRM's lists (contacts, deals, activities, ...) show fewer rows unless asked
MAX_CURSOR = 512  # characters: every cursor we give is far shorter
_MAX_LIMIT_DIGITS = len(str(MAX_PAGE))  # int() of a longer run of digits only costs time


class BadPage(InvalidField):
    """A ``limit`` or ``cursor`` that is no page of this list; ``field`` names which."""


# The type of each part of a list's sort key: "at" (a time), "id" (a UUID), "int", "text"; "at?" may be null.
CursorShape = tuple[str, ...]


@dataclass(frozen=True)
class Page:
    """Which page is asked for: how many rows, after which sort key (None: the first page)."""

    limit: int
    after: tuple[Any, ...] | None = None

    def of(self, rows: Sequence[Any], key: Any) -> tuple[list[Any], str | None]:  # noqa: ANN401 - any row type
        """The page from ``rows`` fetched with ``limit + 1``: the rows to give, and the next cursor or None."""
        given = list(rows[: self.limit])
        more = len(rows) > self.limit
        return given, (encode(key(given[-1])) if more and given else None)


def requested(
    params: Mapping[str, Any], shape: CursorShape, *, in_query: bool = True, default: int = DEFAULT_PAGE
) -> Page:
    """The page a query string (or, ``in_query=False``, a command frame) asks for; BadPage naming the field.

    In a query string both come as text; in a frame ``limit`` is a number and ``cursor`` a string or null.
    ``default`` rows are given when no ``limit`` is asked.
    """
    limit = params.get("limit")
    if limit is None:
        chosen = default
    elif in_query and isinstance(limit, str) and limit.isascii() and limit.isdigit():
        chosen = int(limit) if len(limit) <= _MAX_LIMIT_DIGITS else 0
    elif not in_query and isinstance(limit, int) and not isinstance(limit, bool):
        chosen = limit
    else:
        chosen = 0
    if not 1 <= chosen <= MAX_PAGE:
        raise BadPage("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    cursor = params.get("cursor")
    return Page(chosen, None if cursor is None else decode(cursor, shape))


def encode(key: tuple[Any, ...]) -> str:
    """The cursor that continues after the row whose sort key is ``key``."""
    plain = [
        part.isoformat() if isinstance(part, datetime) else str(part) if isinstance(part, UUID) else part
        for part in key
    ]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: object, shape: CursorShape) -> tuple[Any, ...]:
    """The sort key a cursor carries, each part of its type; BadPage if it is not one of this list's."""
    wrong = BadPage("cursor", "is not one this list gave; start again without it")
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR:
        raise wrong
    try:
        parts = json_input.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise wrong from None
    if not isinstance(parts, list) or len(parts) != len(shape):
        raise wrong
    try:
        return tuple(_typed(kind, part) for kind, part in zip(shape, parts, strict=True))
    except (TypeError, ValueError):
        raise wrong from None


def _typed(kind: str, part: object) -> Any:  # noqa: ANN401 - one of the sort key's types
    if part is None and kind.endswith("?"):
        return None
    kind = kind.rstrip("?")
    if kind == "int" and isinstance(part, int) and not isinstance(part, bool) and abs(part) < 2**63:
        return part
    if kind == "text" and isinstance(part, str) and part.isprintable():
        return part
    if kind == "id" and isinstance(part, str):
        return UUID(part)
    if kind == "at" and isinstance(part, str):
        at = datetime.fromisoformat(part)
        if at.tzinfo is None:
            raise ValueError(part)
        return at
    raise TypeError(part)
