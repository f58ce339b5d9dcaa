"""Live pushes of contacts, companies and leads to the consoles whose operator may see them.

Frames: ``{"type": "contact", "contact": {...}}`` (likewise ``company`` and ``lead``) to every console
whose operator may see the record as it is now, and ``{"type": "contact_removed", "id"}`` (likewise)
to one that was shown it and may no longer (handed to someone else's department).

Records are told in the order of each one's latest change, as the gateway heard of them, never in the
order the database returns their rows: a contact handed away is told gone before a contact entered
after it. One notification does not say which of its contacts, companies and leads changed first: they
are told in that order; those of notifications that piled up go in the order of the notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from domain.permissions import Action, Actor, Entity, Holding
from services.console.accounts import Operator
from services.console.frames import encode_frame
from services.console.people_queries import companies_by_id, contacts_by_id, leads_by_id
from services.console.record_hands import Hands, former_holdings, lead_holdings, shown_or_gone
from services.console.sales_access import SalesAccess

KINDS = (("contact", Entity.CONTACT), ("company", Entity.COMPANY), ("lead", Entity.LEAD))
ENTITIES = dict(KINDS)
READERS = {"contact": contacts_by_id, "company": companies_by_id, "lead": leads_by_id}


class Console(Protocol):
    """What a push needs of an open console."""

    operator: Operator
    known_people: set[str]  # "contact:<id>" and the like, of the records shown
    told_gone: set[str]  # the same keys, of the records told removed: not told again

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
        changed: Iterable[tuple[str, UUID]],
        consoles: Iterable[Console],
        actors: Mapping[UUID, Actor],
    ) -> None:
        """Push the records ``changed`` names, (kind, id) in the order of their latest change, to ``consoles``."""
        order = list(changed)
        ids: dict[str, list[UUID]] = {}
        for kind, record_id in order:
            ids.setdefault(kind, []).append(record_id)
        rows = {kind: {row["id"]: row for row in await READERS[kind](self._pool, each)} for kind, each in ids.items()}
        hands = await self._hands(ids)
        # The key, holding and frame of each row made once; whether a manager may see it asked once per manager.
        told = [
            Told.of(kind, ENTITIES[kind], row, hands.get((kind, record_id)))
            for kind, record_id in order
            if (row := rows[kind].get(str(record_id)))
        ]
        if not told:
            return
        for console in consoles:
            manager = console.operator.manager_id
            for record in told:
                self._tell(console, manager, actors[manager], record)

    async def _hands(self, ids: dict[str, list[UUID]]) -> dict[tuple[str, UUID], Hands]:
        """Whose records are now and were, where the row does not say: a lead's offers and teams, former holders."""
        hands: dict[tuple[str, UUID], Hands] = {}
        if "lead" in ids:
            # A lead is seen by more than its manager: whoever has it on offer, and the heads of its teams.
            found = await lead_holdings(self._pool, ids["lead"], self._access.store().team)
            hands |= {("lead", lead): each for lead, each in found.items()}
        for kind in ("contact", "company"):
            if kind in ids:
                former = await former_holdings(self._pool, kind, ids[kind])
                hands |= {(kind, record): Hands(None, before) for record, before in former.items()}
        return hands

    def _tell(self, console: Console, manager: UUID, who: Actor, record: Told) -> None:
        allowed = record.allowed.get(manager)
        if allowed is None:
            allowed = record.allowed[manager] = self._access.permissions.allows(
                who, record.entity, Action.VIEW, record.holding
            )
        shown = shown_or_gone(
            console.known_people, console.told_gone, record.key, sees=allowed, saw=lambda: self._saw(who, record)
        )
        if shown:
            console.send_text(record.frame)
        elif shown is False:  # handed to someone the operator may not follow
            console.send({"type": f"{record.kind}_removed", "id": record.row["id"]})

    def _saw(self, who: Actor, record: Told) -> bool:
        return record.before is not None and self._access.permissions.allows(
            who, record.entity, Action.VIEW, record.before
        )


@dataclass(eq=False)
class Told:
    """A changed record of one push: its key, holding and frame, and who may see it, by manager."""

    kind: str
    entity: Entity
    row: dict[str, Any]
    key: str  # "contact:<id>": one string for every console that remembers it
    holding: Holding
    before: Holding | None  # whose it was before it last changed hands
    frame: str
    allowed: dict[UUID, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, entity: Entity, row: dict[str, Any], hands: Hands | None = None) -> Told:
        """A row of ``kind`` as pushed; whose it is when more than its responsible manager's, and was (``hands``)."""
        hands = hands or Hands(None)
        responsible = row["responsible_id"]
        holding = hands.now or Holding(UUID(responsible) if responsible else None)
        before = hands.before
        frame = encode_frame({"type": kind, kind: row})
        return cls(kind, entity, row, f"{kind}:{row['id']}", holding, before, frame)
