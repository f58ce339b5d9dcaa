"""Drain queues: when a place opens, the router gives waiting leads to whoever can now take them.

A place opens when a manager's presence or load changes (their work day starts or resumes, they
come online, a lead is released, their capacity or hours change) or new rules are in force. The
router sees each such event on the domain-events topic and drains the queues it concerns; the
process that recorded the change decides nothing about routing. Draining twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork

# Manager events after which the manager may take more leads than before (LeadTaken never does).
PLACE_OPENING_EVENTS = frozenset(
    {
        "Manager.Registered",
        "Manager.WorkDayStarted",
        "Manager.WorkDayResumed",
        "Manager.LeadReleased",
        "Manager.CapacityChanged",
        "Manager.WorkingHoursSet",
        "Manager.AbsenceAdded",
        "Manager.CameOnline",
        "Manager.WentOffline",  # a rule that needs no console may now pick someone else first
    }
)
RULES_APPLIED = "Rulebook.Applied"
DRAINING_EVENTS = PLACE_OPENING_EVENTS | {RULES_APPLIED}


@dataclass(frozen=True)
class Drain:
    """Which queues an event asks the router to drain: one manager's teams, or every team the rules name."""

    manager_id: UUID | None = None
    rule_teams: bool = False


def drain_after(event_type: str, aggregate_id: UUID) -> Drain | None:
    """The drain an event of the log calls for, if any."""
    if event_type in PLACE_OPENING_EVENTS:
        return Drain(manager_id=aggregate_id)
    if event_type == RULES_APPLIED:
        return Drain(rule_teams=True)
    return None


def drain(store: EventStore, wanted: Drain) -> int:
    """Assign what waits in the queues ``wanted`` names; returns how many leads were assigned."""

    def command(_: UnitOfWork, assigning: Assigning) -> int:
        if wanted.rule_teams:
            teams = sorted({r.team for r in assigning.rules().rules if r.team} | {store.team})
        elif wanted.manager_id is not None:
            teams = assigning.teams_of(wanted.manager_id)
        else:
            teams = []
        return sum(assigning.drain(team) for team in teams)

    return store.transact(command)
