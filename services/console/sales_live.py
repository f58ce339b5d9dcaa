"""Live pushes of the CRM: changed deals and activities to the consoles allowed to see them, reminders to their manager.

Frames: ``{"type": "deal", "deal": {...}}`` to every console whose operator may see the deal (and
``{"type": "deal_removed", "id"}`` to one that was shown it and may no longer), ``{"type": "activity",
"activity": {...}}`` likewise, and ``{"type": "reminder", "activity": {...}}`` to the consoles of the
activity's responsible manager only; ``{"type": "lead_converted", "conversion": {...}}`` to those whose
operator may see the lead or a record it became, and ``{"type": "reports_changed", ...}`` to those whose
reports the changes are in (see ``report_live``). A reminder is told once: it follows the ``ReminderFired``
event, which the log holds once, through the one notification of the batch that applied it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from uuid import UUID

import asyncpg

from domain.live_update import ReadModelsChanged
from domain.permissions import Action, Actor, Entity, Holding
from services.console.accounts import Operator
from services.console.activity_queries import activities_by_id
from services.console.frames import Encoded, encode_frame
from services.console.lead_conversion import Seen, conversion_pushed
from services.console.people_live import PeoplePushes
from services.console.record_hands import former_holdings, shown_or_gone
from services.console.report_live import reports_changed
from services.console.sales_access import SalesAccess
from services.console.sales_queries import deals_by_id

K = TypeVar("K")


class Console(Protocol):
    """What a push needs of an open console."""

    operator: Operator
    known_deals: set[str]
    known_people: set[str]
    told_gone: set[str]  # the keys of known_deals and known_people, of records told removed: not again

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame for the console, never waiting."""

    def send_text(self, text: str) -> None:
        """Queue an encoded frame for the console, never waiting."""


@dataclass
class Changed:
    """The deals, activities and reminders of some notifications, each once, in order."""

    deals: dict[UUID, None] = field(default_factory=dict)
    activities: dict[UUID, None] = field(default_factory=dict)
    reminders: list[UUID] = field(default_factory=list)
    # ("contact" | "company" | "lead", id), one order across the three: a lead changed before a contact is told first
    people: dict[tuple[str, UUID], None] = field(default_factory=dict)
    conversions: dict[UUID, None] = field(default_factory=dict)

    def add(self, change: ReadModelsChanged) -> None:
        """Take in one notification's change."""
        # A record told again moves to the end: consoles are told in the order of each record's latest change.
        _moved(self.deals, change.deal_ids)
        _moved(self.activities, change.activity_ids)
        self.reminders += change.reminder_activity_ids
        # One notification does not say which of its contacts, companies and leads changed first: in that order.
        for kind, ids in (("contact", change.contact_ids), ("company", change.company_ids), ("lead", change.lead_ids)):
            _moved(self.people, [(kind, record_id) for record_id in ids])
        _moved(self.conversions, change.converted_lead_ids)

    def __bool__(self) -> bool:
        return bool(self.deals or self.activities or self.reminders or self.people or self.conversions)


def _moved(records: dict[K, None], ids: Iterable[K]) -> None:
    for record_id in ids:
        records.pop(record_id, None)
        records[record_id] = None


class SalesPushes:
    """Reads what changed and pushes each row to the consoles the permission rule allows."""

    def __init__(self, pool: asyncpg.Pool, access: SalesAccess) -> None:
        self._pool = pool
        self._access = access
        self._people = PeoplePushes(pool, access)

    async def push(self, changed: Changed, consoles: Iterable[Console]) -> None:
        """Push the changed deals, activities and reminders to ``consoles``."""
        open_consoles = list(consoles)
        if not changed or not open_consoles:
            return
        actors = await self._actors({console.operator for console in open_consoles})
        # A customer's message changes a lead and a contact, no deal: nothing to read or ask of each console.
        if changed.deals or changed.activities or changed.reminders or changed.conversions:
            await self._push_sales(changed, open_consoles, actors)
        await self._people.push(changed.people, open_consoles, actors)

    async def _push_sales(self, changed: Changed, open_consoles: list[Console], actors: dict[UUID, Actor]) -> None:
        activities = {
            row["id"]: row for row in await activities_by_id(self._pool, [*changed.activities, *changed.reminders])
        }
        on_deals = {UUID(a["subject_id"]) for a in activities.values() if a["subject_kind"] == "deal"}
        deals = {row["id"]: row for row in await deals_by_id(self._pool, sorted({*changed.deals, *on_deals}))}
        former = await former_holdings(self._pool, "deal", list(changed.deals)) if changed.deals else {}
        conversions = [(seen, encode_frame(frame)) for seen, frame in await self._conversions(changed)]
        frames = Encoded()
        for console in open_consoles:
            who = actors[console.operator.manager_id]
            shown = [deals[str(d)] for d in changed.deals if str(d) in console.known_deals and str(d) in deals]
            for deal_id in changed.deals:
                self._deal(console, who, deals.get(str(deal_id)), former.get(deal_id), frames)
            for activity_id in changed.activities:
                row = activities.get(str(activity_id))
                if row is not None and self._sees(who, row, deals.get(row["subject_id"])):
                    console.send_text(frames.of("activity", "activity", row))
            for activity_id in changed.reminders:
                row = activities.get(str(activity_id))
                if row is not None and row["responsible_id"] == str(console.operator.manager_id):
                    console.send_text(frames.of("reminder", "activity", row))
            self._tell_conversions(console, who, conversions)
            touched = [deals[str(d)] for d in changed.deals if str(d) in deals]
            done = [activities[str(a)] for a in changed.activities if str(a) in activities]
            if (told := reports_changed(self._access.permissions, who, touched, done, shown)) is not None:
                console.send(told)

    def _tell_conversions(self, console: Console, who: Actor, conversions: list[tuple[Seen, str]]) -> None:
        for seen, text in conversions:
            if any(self._access.permissions.allows(who, entity, Action.VIEW, held) for entity, held in seen):
                console.send_text(text)

    async def _conversions(self, changed: Changed) -> list[tuple[Seen, dict[str, Any]]]:
        store = self._access.store()
        found = [await asyncio.to_thread(conversion_pushed, store, lead) for lead in changed.conversions]
        return [told for told in found if told is not None]

    async def _actors(self, operators: set[Operator]) -> dict[UUID, Actor]:
        found = await asyncio.gather(*(asyncio.to_thread(self._access.actor, o) for o in operators))
        return {who.user_id: who for who in found}

    def _deal(
        self, console: Console, who: Actor, row: dict[str, Any] | None, former: Holding | None, frames: Encoded
    ) -> None:
        if row is None:
            return
        key = row["id"]
        holding = Holding(UUID(row["responsible_id"]), frozenset(UUID(o) for o in row["observers"]))
        allows = self._access.permissions.allows
        shown = shown_or_gone(
            console.known_deals,
            console.told_gone,
            key,
            sees=allows(who, Entity.DEAL, Action.VIEW, holding),
            saw=lambda: former is not None and allows(who, Entity.DEAL, Action.VIEW, former),
        )
        if shown:
            console.send_text(frames.of("deal", "deal", row))
        elif shown is False:  # handed to someone else
            console.send({"type": "deal_removed", "id": key})

    def _sees(self, who: Actor, row: dict[str, Any], deal: dict[str, Any] | None) -> bool:
        deal_holding = (
            Holding(UUID(deal["responsible_id"]), frozenset(UUID(o) for o in deal["observers"])) if deal else None
        )
        return self._access.may_activity(who, Action.VIEW, Holding(UUID(row["responsible_id"])), deal_holding)
