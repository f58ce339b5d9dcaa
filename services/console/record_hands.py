"""Whose records are now and were before they last changed hands, where a row of the record does not say.

A lead is seen by more than its manager: whoever has it on offer, and the heads of its teams (those
of its manager and of whoever has it on offer, the queue it waits in, the default team for a lead
with no place), the rule of the REST's ``Query.visible_lead``. A record handed away is told gone to
the consoles that could see it before (``live.py``): the read models keep whose it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from domain.permissions import Holding
from services.projections.schema import LIVE_SCHEMA

S = LIVE_SCHEMA

_TEAMS = (
    f"ARRAY(SELECT DISTINCT t.name FROM {S}.team_members tm JOIN {S}.teams t ON t.id = tm.team_id"  # noqa: S608
    " WHERE tm.manager_id = ANY(array_append(l.{offered}, l.{manager})))"
)
_LEAD_PLACES = (
    "SELECT l.id, l.manager_id, l.offered_to, l.queue,"  # noqa: S608 - fixed schema
    f" {_TEAMS.format(offered='offered_to', manager='manager_id')} AS teams,"
    " l.former_manager_id, l.former_offered_to, l.former_queue,"
    f" {_TEAMS.format(offered='former_offered_to', manager='former_manager_id')} AS former_teams"
    f" FROM {S}.leads l WHERE l.id = ANY($1::uuid[])"
)
_FORMER = {
    kind: f"SELECT id, former_responsible_id, {observers} AS former_observers FROM {S}.{table}"  # noqa: S608
    " WHERE id = ANY($1::uuid[]) AND former_responsible_id IS NOT NULL"
    for kind, table, observers in (
        ("contact", "contacts", "'{}'::uuid[]"),
        ("company", "companies", "'{}'::uuid[]"),
        ("deal", "deals", "former_observers"),
    )
}


@dataclass(frozen=True)
class Hands:
    """Whose a record is now (None: its row's responsible's) and was before it last changed hands (None: never)."""

    now: Holding | None
    before: Holding | None = None


async def lead_holdings(pool: asyncpg.Pool, ids: list[UUID], default_team: str) -> dict[UUID, Hands]:
    """Whose each lead is now and was, by the REST's rule: held, on offer, queued, or ``default_team``'s."""

    def holding(manager: UUID | None, offered_to: list[UUID], queue: str | None, teams: list[str]) -> Holding:
        offered = frozenset(offered_to)
        placed = set(teams)
        if queue is not None:
            placed.add(queue)
        elif manager is None and not offered:
            placed.add(default_team)
        return Holding(manager, offered_to=offered, teams=frozenset(placed))

    hands = {}
    for row in await pool.fetch(_LEAD_PLACES, ids):
        now = holding(row["manager_id"], row["offered_to"], row["queue"], row["teams"])
        before = None
        if row["former_offered_to"] is not None:
            former = (row["former_manager_id"], row["former_offered_to"], row["former_queue"], row["former_teams"])
            before = holding(*former)
        hands[row["id"]] = Hands(now, before)
    return hands


def shown_or_gone(
    known: set[str], told_gone: set[str], key: str, *, sees: bool, saw: Callable[[], bool]
) -> bool | None:
    """Whether a console is sent a changed record (True), told it is gone (False), or nothing (None).

    ``known`` and ``told_gone`` are the console's records pushed and told gone, by ``key``. A record
    the operator ``sees`` is sent; one they do not is told gone to a console it was pushed to, or
    that ``saw`` it before it changed hands (a list read over REST) and was not told so already.
    """
    if sees:
        known.add(key)
        told_gone.discard(key)
        return True
    if key in known or (key not in told_gone and saw()):
        known.discard(key)
        told_gone.add(key)
        return False
    return None


async def former_holdings(pool: asyncpg.Pool, kind: str, ids: list[UUID]) -> dict[UUID, Holding]:
    """Whose each contact, company or deal (``kind``) was before it last changed hands; never handed: none."""
    found = await pool.fetch(_FORMER[kind], ids)
    return {r["id"]: Holding(r["former_responsible_id"], frozenset(r["former_observers"])) for r in found}
