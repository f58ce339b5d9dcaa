"""Assigning leads: rules and presence in, a decision applied to lead, manager, contact and queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from domain.contact import Contact
from domain.identities import team_id
from domain.lead import Lead, LeadStatus
from domain.manager import Manager
from domain.routing import Candidate, RoutingDecision, Situation, decide
from domain.rulebook import Rulebook
from domain.rules import LeadFacts, RuleSet, default_rules
from domain.team import Team
from services.router.unit_of_work import UnitOfWork

DRAIN_LIMIT = 200


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

    def route(self, lead: Lead, received_at: datetime | None = None, *, offer_expired: bool = False) -> RoutingDecision:
        """Decide for one lead and apply the decision: assign, offer, or queue."""
        at = self._now()
        rules = self.rules()
        contact = self._work.find(lead.contact_id, Contact)
        facts = LeadFacts(
            lead_id=lead.id,
            channel=lead.channel,
            received_at=received_at or at,
            source=lead.source,
            vip=contact.vip if contact else False,
            language=contact.language if contact else "",
            region=contact.region if contact else "",
            tags=frozenset(contact.tags if contact else ()),
            responsible_manager_id=contact.responsible_manager_id if contact else None,
            offer_expired=offer_expired,
        )
        decision = decide(facts, self._situation(rules, at, frozenset(lead.tried), facts.responsible_manager_id))
        self._apply(lead, contact, decision, at)
        return decision

    def drain(self, team: str) -> int:
        """Assign waiting leads of a team's queue, in order, while someone can take them."""
        queue = self._work.find(team_id(team), Team)
        assigned = 0
        if queue is None:
            return 0
        for lead_id in list(queue.waiting[:DRAIN_LIMIT]):
            lead = self._work.find(lead_id, Lead)
            if lead is None or lead.status is not LeadStatus.QUEUED:
                queue.dequeue(lead_id)
                continue
            if self.route(lead).manager_id is not None:
                assigned += 1
        return assigned

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

    def _apply(self, lead: Lead, contact: Contact | None, decision: RoutingDecision, at: datetime) -> None:
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
                queue.dequeue(lead.id)
        elif decision.offered:
            expiry = decision.offer_timeout_seconds
            lead.offer(list(decision.offered), decision.reasons(), at + timedelta(seconds=expiry) if expiry else None)
        elif lead.status is not LeadStatus.QUEUED:
            name = decision.queue or self._default_team
            if queue is None:  # a queue nobody has joined yet still keeps its order
                queue = Team(name=name)
                self._work.add(queue)
            lead.queue(name, queue.enqueue(lead.id), decision.reasons())

    def _now(self) -> datetime:
        # Strictly increasing, so "waited longest" has no ties inside one unit of work.
        at = self._clock()
        if self._last_at is not None and at <= self._last_at:
            at = self._last_at + timedelta(microseconds=1)
        self._last_at = at
        return at
