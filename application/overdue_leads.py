"""Leads past a deadline: re-route one whose holder did not answer in time, assign one nobody accepted.

The deadlines are the router's own (``deadlines``), saved with the events that set them. Each use
case checks the deadline again on the lead itself, so two routers moving the same lead move it once.
"""

from __future__ import annotations

from uuid import UUID

from application.assigning import Assigning
from application.event_store import EventStore
from application.unit_of_work import UnitOfWork
from domain.lead import Lead, LeadStatus
from domain.manager import Manager
from domain.timers import TimerKind

NO_ANSWER = "no answer within the rule's idle timeout"
NOBODY_ACCEPTED = "nobody accepted it within the rule's offer timeout"


def overdue(store: EventStore, kind: TimerKind, limit: int) -> list[UUID]:
    """Leads whose deadline of ``kind`` has passed, the earliest first."""
    return store.deadlines.due(kind, store.clock(), limit)


def reroute_unanswered(store: EventStore, lead: UUID) -> bool:
    """Give a lead to the next eligible manager if its holder missed the answer deadline; True if moved."""

    def command(work: UnitOfWork, assigning: Assigning) -> bool:
        found = work.find(lead, Lead)
        if found is None or found.status is not LeadStatus.ASSIGNED:
            return False  # closed, or moved on already: no deadline runs
        if found.answered or found.answer_by is None or found.answer_by > store.clock():
            return False
        holder = found.release(NO_ANSWER)
        if holder and (manager := work.find(holder, Manager)):
            manager.release_lead(found.id)  # the router drains the queue this frees when it sees the release
        assigning.route(found)
        return True

    return store.transact(command)


def expire_offer(store: EventStore, lead: UUID) -> bool:
    """Assign evenly a lead offered to all that nobody accepted before its offer expired; True if moved."""

    def command(work: UnitOfWork, assigning: Assigning) -> bool:
        found = work.find(lead, Lead)
        if found is None or not found.offer_expired(store.clock()):
            return False
        found.withdraw_offer(NOBODY_ACCEPTED)
        assigning.route(found, offer_expired=True)
        return True

    return store.transact(command)
