"""The world a rule simulation replays: managers' presence and load, teams, contacts, leads and their queue.

Events of the log are applied in order (``apply``); leads of the simulated period are routed by the
proposed rules with the same policy the router uses, against presence as it was recorded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.manager import WorkDay
from domain.presence import Absence, WorkingHours
from domain.routing import Candidate, Situation, decide
from domain.rules import LeadFacts, RuleSet

_WORK_DAYS = {
    "Manager.WorkDayStarted": WorkDay.STARTED,
    "Manager.WorkDayResumed": WorkDay.STARTED,
    "Manager.WorkDayPaused": WorkDay.PAUSED,
    "Manager.WorkDayEnded": WorkDay.ENDED,
}


@dataclass
class SimulationReport:
    """How assignments would differ under the proposed rules."""

    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    changed_hands: list[tuple[UUID, str, str]] = field(default_factory=list)
    would_wait: list[UUID] = field(default_factory=list)
    offered: list[UUID] = field(default_factory=list)
    leads: int = 0

    def render(self) -> str:
        """The report as a table and lists."""
        names = sorted(set(self.before) | set(self.after))
        width = max([len(n) for n in names] + [7])
        lines = [f"{self.leads} leads replayed", f"{'manager':<{width}}  before  after  change"]
        for name in names:
            b, a = self.before[name], self.after[name]
            lines.append(f"{name:<{width}}  {b:>6}  {a:>5}  {a - b:>+6}")
        lines.append(f"{len(self.changed_hands)} leads would change hands")
        lines += [f"  {lead}: {was} -> {would}" for lead, was, would in self.changed_hands[:50]]
        lines.append(f"{len(self.would_wait)} leads would wait in a queue")
        lines.append(f"{len(self.offered)} leads would be offered to all")
        return "\n".join(lines)


@dataclass
class World:
    """Everything the replay knows so far, and the report it builds."""

    rules: RuleSet
    since: datetime | None
    managers: dict[UUID, Candidate] = field(default_factory=dict)
    teams: dict[UUID, tuple[str, list[UUID]]] = field(default_factory=dict)
    contacts: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    leads: dict[UUID, LeadFacts] = field(default_factory=dict)
    lead_contacts: dict[UUID, UUID] = field(default_factory=dict)
    holder: dict[UUID, UUID] = field(default_factory=dict)
    recorded: dict[UUID, UUID] = field(default_factory=dict)
    waiting: list[UUID] = field(default_factory=list)
    arrivals: dict[UUID, tuple[datetime, str]] = field(default_factory=dict)
    report: SimulationReport = field(default_factory=SimulationReport)


def apply(world: World, kind: str, aggregate_id: UUID, at: datetime, data: dict[str, Any]) -> None:  # noqa: C901, PLR0912
    """Apply one event of the log to the world: presence, teams, contacts, or a lead arriving or leaving."""
    m = world.managers.get(aggregate_id)
    if kind == "Manager.Registered":
        world.managers[aggregate_id] = Candidate(
            aggregate_id, data["name"], WorkDay.NOT_STARTED, 0, data["capacity"], None
        )
    elif kind in _WORK_DAYS and m:
        world.managers[aggregate_id] = replace(m, work_day=_WORK_DAYS[kind])
    elif kind == "Manager.CapacityChanged" and m:
        world.managers[aggregate_id] = replace(m, capacity=data["capacity"])
    elif kind == "Manager.WorkingHoursSet" and m:
        hours = WorkingHours.from_plain(data["hours"]) if data["hours"] else None
        world.managers[aggregate_id] = replace(m, working_hours=hours)
    elif kind == "Manager.AbsenceAdded" and m:
        world.managers[aggregate_id] = replace(m, absences=(*m.absences, Absence.from_plain(data["absence"])))
    elif kind in ("Manager.CameOnline", "Manager.WentOffline") and m:
        world.managers[aggregate_id] = replace(m, online=kind == "Manager.CameOnline")
    elif kind == "Team.Formed":
        world.teams[aggregate_id] = (data["name"], [])
    elif kind == "Team.MemberAdded" and aggregate_id in world.teams:
        world.teams[aggregate_id][1].append(data["manager_id"])
    elif kind == "Contact.Registered":
        world.contacts[aggregate_id] = {"vip": False, "language": "", "region": "", "tags": []}
    elif kind == "Contact.ProfileUpdated" and aggregate_id in world.contacts:
        world.contacts[aggregate_id].update({k: data[k] for k in ("vip", "language", "region", "tags")})
    elif kind == "Lead.Created":
        _arrive(world, aggregate_id, at, data)
    elif kind == "Lead.Assigned":
        world.recorded.setdefault(aggregate_id, data["manager_id"])
        if world.since is not None and at < world.since:
            _take(world, aggregate_id, data["manager_id"], at)
        return
    elif kind == "Lead.Closed":
        _release(world, aggregate_id)
    else:
        return
    _drain(world, at)


def _arrive(world: World, lead_id: UUID, at: datetime, data: dict[str, Any]) -> None:
    contact = world.contacts.get(data["contact_id"], {})
    world.lead_contacts[lead_id] = data["contact_id"]
    world.leads[lead_id] = LeadFacts(
        lead_id=lead_id,
        channel=data["channel"],
        received_at=at,
        source=data["source"],
        vip=contact.get("vip", False),
        language=contact.get("language", ""),
        region=contact.get("region", ""),
        tags=frozenset(contact.get("tags", ())),
        responsible_manager_id=contact.get("responsible"),
    )
    if world.since is None or at >= world.since:
        # In the order the customers wrote, as the router's queue keeps it, not the order of storing.
        world.arrivals[lead_id] = (data.get("arrived_at") or at, str(lead_id))
        world.waiting.append(lead_id)
        world.waiting.sort(key=lambda waiting: world.arrivals[waiting])


def _drain(world: World, at: datetime) -> None:
    teams = dict(world.teams.values())
    for lead_id in list(world.waiting):
        facts = replace(world.leads[lead_id], received_at=at)
        decision = decide(facts, Situation(world.rules, teams, world.managers, at))
        if decision.manager_id is not None:
            world.waiting.remove(lead_id)
            _take(world, lead_id, decision.manager_id, at)
        elif decision.offered:
            world.waiting.remove(lead_id)
            world.report.offered.append(lead_id)


def _take(world: World, lead_id: UUID, manager_id: UUID, at: datetime) -> None:
    m = world.managers.get(manager_id)
    if m is None:
        return
    world.managers[manager_id] = replace(m, open_leads=m.open_leads + 1, last_assigned_at=at)
    world.holder[lead_id] = manager_id
    contact = world.contacts.get(world.lead_contacts.get(lead_id, manager_id))
    if contact is not None:
        contact["responsible"] = manager_id


def _release(world: World, lead_id: UUID) -> None:
    holder = world.holder.get(lead_id)
    if holder and (m := world.managers.get(holder)):
        world.managers[holder] = replace(m, open_leads=max(0, m.open_leads - 1))
    if lead_id in world.waiting:
        world.waiting.remove(lead_id)
