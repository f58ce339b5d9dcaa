"""Live pushes of contacts, companies and leads to the consoles whose operator may see them.

Frames: ``{"type": "contact", "contact": {...}}`` (likewise ``company`` and ``lead``) to every console
whose operator may see the record as it is now, and ``{"type": "contact_removed", "id"}`` (likewise)
to one that was shown it and may no longer (handed to someone else's department).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from domain.permissions import Action, Actor, Entity, Holding
from services.console.accounts import Operator
from services.console.frames import Encoded
from services.console.people_queries import companies_by_id, contacts_by_id, leads_by_id
from services.console.sales_access import SalesAccess

KINDS = (("contact", Entity.CONTACT), ("company", Entity.COMPANY), ("lead", Entity.LEAD))


class Console(Protocol):
    """What a push needs of an open console."""

    operator: Operator
    known_people: set[str]  # "contact:<id>" and the like, of the records shown

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame for the console, never waiting."""

    def send_text(self, text: str) -> None:
        """Queue an encoded frame for the console, never waiting."""


class PeoplePushes:
    """Reads the contacts, companies and leads that changed and pushes each to the consoles the rule allows."""

    def __init__(self, pool: asyncpg.Pool, access: SalesAccess) -> None:
        self._pool = pool
        self._access = access

    async def push(
        self,
        changed: Mapping[str, Iterable[UUID]],
        consoles: Iterable[Console],
        actors: Mapping[UUID, Actor],
    ) -> None:
        """Push the records ``changed`` names by kind ("contact", "company", "lead") to ``consoles``."""
        readers = {"contact": contacts_by_id, "company": companies_by_id, "lead": leads_by_id}
        rows = {
            kind: await readers[kind](self._pool, ids) if (ids := list(changed.get(kind, ()))) else []
            for kind, _ in KINDS
        }
        if not any(rows.values()):
            return
        frames = Encoded()
        for console in consoles:
            who = actors[console.operator.manager_id]
            for kind, entity in KINDS:
                for row in rows[kind]:
                    self._tell(console, who, (kind, entity), row, frames)

    def _tell(
        self, console: Console, who: Actor, what: tuple[str, Entity], row: dict[str, Any], frames: Encoded
    ) -> None:
        kind, entity = what
        key = f"{kind}:{row['id']}"
        responsible = row["responsible_id"]
        holding = Holding(UUID(responsible) if responsible else None)
        if self._access.permissions.allows(who, entity, Action.VIEW, holding):
            console.known_people.add(key)
            console.send_text(frames.of(kind, kind, row))
        elif key in console.known_people:  # handed to someone the operator may not follow
            console.known_people.discard(key)
            console.send({"type": f"{kind}_removed", "id": row["id"]})
