"""Pages of the CRM's lists: at most ``limit`` rows (1 to 200, 50 unless asked), and a cursor to the next.

A cursor is the sort key of the last row given, as base64url JSON: opaque to clients, and checked
against the shape of the list it is used with, so one made up or taken from another list is
refused (400, naming ``cursor``) rather than read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.errors import InvalidField

MAX_PAGE, DEFAULT_PAGE = 200, 50
MAX_CURSOR = 512  # characters; every cursor given is far shorter
Shape = tuple[type, ...]  # the type of each part of a sort key: datetime, UUID, int or str


@dataclass(frozen=True)
class Page:
    """Which page: how many rows, after which sort key (None: the first page)."""

    limit: int
    after: tuple[Any, ...] | None = None

    def of(self, rows: Sequence[Any], key: Callable[[Any], tuple[Any, ...]]) -> tuple[list[Any], str | None]:
        """The rows to give from ``rows`` (fetched with ``limit + 1``), and the next page's cursor or None."""
        given = list(rows[: self.limit])
        return given, (encode(key(given[-1])) if len(rows) > self.limit and given else None)


def requested(params: Mapping[str, Any], shape: Shape) -> Page:
    """The page a query string or a command frame asks for; InvalidField naming ``limit`` or ``cursor``."""
    limit = params.get("limit")
    if limit is None:
        chosen = DEFAULT_PAGE
    elif isinstance(limit, str) and limit.isascii() and limit.isdigit() and len(limit) < 4:  # noqa: PLR2004 - 200
        chosen = int(limit)
    elif isinstance(limit, int) and not isinstance(limit, bool):
        chosen = limit
    else:
        chosen = 0
    if not 1 <= chosen <= MAX_PAGE:
        raise InvalidField("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    cursor = params.get("cursor")
    return Page(chosen, None if cursor is None else decode(cursor, shape))


def encode(key: tuple[Any, ...]) -> str:
    """The cursor that continues after the row whose sort key is ``key``."""
    plain = [p.isoformat() if isinstance(p, datetime) else str(p) if isinstance(p, UUID) else p for p in key]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: object, shape: Shape) -> tuple[Any, ...]:
    """The sort key a cursor carries, each part of its type; InvalidField if it is none this list gave."""
    wrong = InvalidField("cursor", "is not one this list gave; start again without it")
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR:
        raise wrong
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or len(parts) != len(shape):
            raise wrong
        return tuple(_typed(kind, part) for kind, part in zip(shape, parts, strict=True))
    except (binascii.Error, ValueError, TypeError, RecursionError):
        raise wrong from None


def _typed(kind: type, part: object) -> Any:  # noqa: ANN401 - one of the sort key's types
    if kind is int and isinstance(part, int) and not isinstance(part, bool) and abs(part) < 2**63:
        return part
    if kind is str and isinstance(part, str) and part.isprintable():
        return part
    if kind is UUID and isinstance(part, str):
        return UUID(part)
    if kind is datetime and isinstance(part, str):
        at = datetime.fromisoformat(part)
        if at.tzinfo is None:
            raise ValueError(part)
        return at
    raise TypeError(part)
