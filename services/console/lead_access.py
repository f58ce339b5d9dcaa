"""Which leads an operator may look into, by where each lead stands now.

A manager sees a lead they hold or that is on offer to them now, not one they once held; a head
sees the leads of their teams (held or offered by a member, or waiting in the team's queue; a lead
with no place, new or closed, belongs to the default team, as closing it does); directors and
admins see every lead. What may not be seen is answered like what does not exist.
"""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.identities import team_id
from domain.lead import Lead
from domain.team import Team
from services.console.accounts import Operator, Role


def lead_visible(store: EventStore, operator: Operator, lead_id: UUID) -> bool:
    """Whether ``lead_id`` is a lead and ``operator`` may see it now (blocking: call it from a thread)."""
    lead = store.load(lead_id)
    if not isinstance(lead, Lead):
        return False
    if operator.role in (Role.DIRECTOR, Role.ADMIN):
        return True
    if operator.manager_id == lead.manager_id or operator.manager_id in lead.offered_to:
        return True
    return operator.role is Role.HEAD and _in_a_team_of(store, lead, operator.manager_id)


def _in_a_team_of(store: EventStore, lead: Lead, head: UUID) -> bool:
    # Reading only: the unit of work is never saved.
    work = UnitOfWork(store.load, {})
    teams = Assigning(work, store.team, store.clock).teams_of(head)
    people = {lead.manager_id, *lead.offered_to} - {None}
    for name in teams:
        team = work.find(team_id(name), Team)
        if team is None:
            continue
        if people & set(team.members) or lead.queue_name == name:
            return True
    return not people and lead.queue_name is None and store.team in teams
