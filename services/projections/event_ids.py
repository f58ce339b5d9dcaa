"""Ids as events carry them (text), read into ``UUID`` values the rows hold.

An event names the same few records again and again (its deal, the deal's contact, company and lead,
its manager, its stage), so the ids read last are kept: the same text gives the same value, read
once. The value is asyncpg's ``UUID``, the kind a row read from PostgreSQL holds: it equals and
hashes as the standard library's, keeps its hash once counted, and is written without conversion.
"""

from __future__ import annotations

from uuid import UUID

from asyncpg.pgproto import pgproto

_KEPT = 4096  # ids kept; all are forgotten when there are more
_READ: dict[str, UUID] = {}


def uuid_of(value: object) -> UUID:
    """``UUID(value)``: the same value, or the same error."""
    if type(value) is not str:
        return UUID(value)  # type: ignore[arg-type] # refused as UUID refuses it
    found = _READ.get(value)
    if found is None:
        if len(_READ) >= _KEPT:
            _READ.clear()
        found = _READ[value] = pgproto.UUID(UUID(value).bytes)
    return found
