"""Route a lead an operator handed to a team: the router's decision, among that team's members only.

The gateway records the hand-over (``Lead.HandedToTeam``); the router sees it on the domain-events
topic and routes the lead by one rule, "evenly within that team", with the calendar of the rules in
force: present members under capacity only, and the team's queue when nobody can take it now.
Routing it twice is harmless: a lead already assigned, offered or queued is left as it is.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.lead import Lead
from domain.rules import Rule

HANDED_TO_TEAM = "Lead.HandedToTeam"


def route_handed_lead(store: EventStore, lead_id: UUID) -> UUID | None:
    """Route the lead within the team it was handed to; returns its new holder, if one took it now."""

    def command(work: UnitOfWork, assigning: Assigning) -> UUID | None:
        lead = work.find(lead_id, Lead)
        team = lead.awaits_team if lead is not None else None
        if lead is None or team is None:
            return None
        rules = assigning.rules()
        assigning.use_rules(replace(rules, rules=(Rule(name=f"handed to team {team}", team=team),)))
        return assigning.route(lead).manager_id

    return store.transact(command)
