"""Assigning leads: rules and presence in, a decision applied to lead, manager, contact and queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from application.contact_lookup import contact_of
from application.unit_of_work import UnitOfWork
from domain.contact import Contact
from domain.conversation import Conversation
from domain.identities import team_id
from domain.lead import Lead, LeadStatus
from domain.manager import Manager
from domain.routing import Candidate, RoutingDecision, Situation, decide
from domain.rulebook import Rulebook
from domain.rules import LeadFacts, RuleSet, default_rules
from domain.team import Team

DRAIN_LIMIT = 200
CONVERSATION_CLOSED = "the conversation was closed"


def candidate_of(manager: Manager) -> Candidate:
    """A manager as routing sees them."""
    return Candidate(
        manager_id=manager.id,
        name=manager.name,
        work_day=manager.work_day,
        open_leads=len(manager.open_leads),
        capacity=manager.capacity,
        last_assigned_at=manager.last_assigned_at,
        working_hours=manager.working_hours,
        absences=tuple(manager.absences),
        online=manager.online,
    )


class Assigning:
    """Routes leads inside one unit of work."""

    def __init__(self, work: UnitOfWork, default_team: str, clock: Callable[[], datetime]) -> None:
        self._work = work
        self._default_team = default_team
        self._clock = clock
        self._last_at: datetime | None = None
        self._rules: RuleSet | None = None

    def rules(self) -> RuleSet:
        """The rules in force (read once per unit of work)."""
        if self._rules is None:
            book = self._work.find(Rulebook.create_id(), Rulebook)
            self._rules = book.in_force(self._default_team) if book else default_rules(self._default_team)
        return self._rules

    def use_rules(self, rules: RuleSet) -> None:
        """Route with ``rules`` from now on in this unit of work (they were just applied)."""
        self._rules = rules

    def route(
        self,
        lead: Lead,
        received_at: datetime | None = None,
        *,
        offer_expired: bool = False,
        responsible: UUID | None = None,
    ) -> RoutingDecision:
        """Decide for one lead and apply the decision: assign, offer, or queue.

        ``responsible`` (a web form's manager) goes before the contact's own responsible manager.
        """
        at = self._now()
        rules = self.rules()
        contact = contact_of(self._work, lead.contact_id)  # the contact it became, if it was merged
        facts = LeadFacts(
            lead_id=lead.id,
            channel=lead.channel,
            received_at=received_at or at,
            source=lead.source,
            vip=contact.vip if contact else False,
            language=contact.language if contact else "",
            region=contact.region if contact else "",
            tags=frozenset(contact.tags if contact else ()),
            amount=lead.details.amount,
            product_category=lead.details.product_interest,
            responsible_manager_id=responsible or (contact.responsible_manager_id if contact else None),
            offer_expired=offer_expired,
        )
        decision = decide(facts, self._situation(rules, at, frozenset(lead.tried), facts.responsible_manager_id))
        self._apply(lead, contact, decision, at, lead.arrived_at or facts.received_at)
        return decision

    def drain(self, team: str) -> int:
        """Assign waiting leads of a team's queue, in order of arrival, while someone can take them."""
        queue = self._work.find(team_id(team), Team)
        assigned = 0
        if queue is None:
            return 0
        for lead_id in list(queue.waiting[:DRAIN_LIMIT]):
            lead = self._work.find(lead_id, Lead)
            if lead is None or lead.status is not LeadStatus.QUEUED:
                queue.dequeue(lead_id, f"no longer waiting: {lead.status if lead else 'no such lead'}")
                continue
            conversation = self._work.find(lead.conversation_id, Conversation)
            if conversation is not None and conversation.closed:
                # Closed while it waited, before closing took leads out of the queue: nobody is to take it.
                self.close(lead, by=None)
                continue
            if self.route(lead).manager_id is not None:
                assigned += 1
        return assigned

    def close(self, lead: Lead, by: UUID | None) -> UUID | None:
        """Close a lead wherever it stands and take it out of its queue; returns the manager who held it.

        The caller frees the holder's capacity: a closed conversation's lead holds nobody's place.
        """
        holder, queue_name = lead.manager_id, lead.queue_name
        lead.close(by)
        queue = self._work.find(team_id(queue_name or self._default_team), Team)
        if queue is not None:
            queue.dequeue(lead.id, CONVERSATION_CLOSED)
        return holder

    def teams_of(self, manager_id: UUID) -> list[str]:
        """The teams a manager belongs to, among those the rules name."""
        names = {r.team for r in self.rules().rules if r.team} | {self._default_team}
        return sorted(n for n in names if (t := self._work.find(team_id(n), Team)) and manager_id in t.members)

    def _situation(self, rules: RuleSet, at: datetime, tried: frozenset[UUID], responsible: UUID | None) -> Situation:
        teams: dict[str, list[UUID]] = {}
        wanted: set[UUID] = {responsible} if responsible else set()
        for rule in rules.rules:
            if rule.team and rule.team not in teams:
                team = self._work.find(team_id(rule.team), Team)
                teams[rule.team] = list(team.members) if team else []
                wanted.update(teams[rule.team])
            wanted.update(rule.order)
            if rule.manager:
                wanted.add(rule.manager)
        managers = {m.id: candidate_of(m) for i in wanted if (m := self._work.find(i, Manager))}
        return Situation(rules=rules, teams=teams, managers=managers, at=at, tried=tried)

    def _apply(
        self, lead: Lead, contact: Contact | None, decision: RoutingDecision, at: datetime, arrived_at: datetime
    ) -> None:
        queue = self._work.find(team_id(decision.queue or self._default_team), Team)
        if decision.manager_id is not None:
            manager = self._work.find(decision.manager_id, Manager)
            assert manager is not None
            manager.take_lead(lead.id, at)
            timeout = decision.idle_timeout_seconds
            lead.assign(manager.id, decision.reasons(), at + timedelta(seconds=timeout) if timeout else None)
            if contact is not None:
                contact.make_responsible(manager.id)
            if queue is not None:
                queue.dequeue(lead.id, "assigned")
        elif decision.offered:
            expiry = decision.offer_timeout_seconds
            lead.offer(list(decision.offered), decision.reasons(), at + timedelta(seconds=expiry) if expiry else None)
        elif lead.status is not LeadStatus.QUEUED:
            name = decision.queue or self._default_team
            if queue is None:  # a queue nobody has joined yet still keeps its order
                queue = Team(name=name)
                self._work.add(queue)
            lead.queue(name, queue.enqueue(lead.id, arrived_at), decision.reasons())
            self._tell_who_moved(queue, lead.id)

    def _tell_who_moved(self, queue: Team, joined: UUID) -> None:
        """Leads behind one that arrived earlier but was stored later move down a place; their customers are told."""
        for position, lead_id in enumerate(queue.waiting[queue.position(joined) :], start=queue.position(joined) + 1):
            waiting = self._work.find(lead_id, Lead)
            if waiting is not None:
                waiting.move_in_queue(position, "a customer who wrote earlier joined the queue ahead")

    def _now(self) -> datetime:
        # Strictly increasing, so "waited longest" has no ties inside one unit of work.
        at = self._clock()
        if self._last_at is not None and at <= self._last_at:
            at = self._last_at + timedelta(microseconds=1)
        self._last_at = at
        return at
