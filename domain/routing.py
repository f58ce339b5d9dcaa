"""Routing policy: pure functions from a lead and the managers' state to a decision with its reasons."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from domain.manager import WorkDay
from domain.presence import Absence, WorkingHours, zone
from domain.rules import LeadFacts, Rule, RuleSet, Strategy


class SkipReason(enum.StrEnum):
    """Why a manager could not take a lead."""

    WORK_DAY_NOT_STARTED = "work_day_not_started"
    PAUSED = "paused"
    WORK_DAY_ENDED = "work_day_ended"
    ABSENT = "absent"
    HOLIDAY = "holiday"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    OFFLINE = "offline"
    AT_CAPACITY = "at_capacity"
    ALREADY_TRIED = "already_tried"
    NO_WEIGHT = "no_weight"


_WORK_DAY = {
    WorkDay.NOT_STARTED: SkipReason.WORK_DAY_NOT_STARTED,
    WorkDay.PAUSED: SkipReason.PAUSED,
    WorkDay.ENDED: SkipReason.WORK_DAY_ENDED,
}
_NEVER = datetime.min.replace(tzinfo=UTC)
RETURNED = "returned_to_responsible"
OFFER_EXPIRED = "evenly_after_offer_expired"


@dataclass(frozen=True)
class Candidate:
    """What routing needs to know of one manager."""

    manager_id: UUID
    name: str
    work_day: WorkDay
    open_leads: int
    capacity: int
    last_assigned_at: datetime | None
    working_hours: WorkingHours | None = None
    absences: tuple[Absence, ...] = ()
    online: bool = False


@dataclass(frozen=True)
class Verdict:
    """One candidate as routing saw them: chosen, eligible, offered, or skipped and why."""

    manager_id: UUID
    name: str
    outcome: str


@dataclass(frozen=True)
class RoutingDecision:
    """Who gets the lead (nobody: it waits in ``queue``), who is offered it, and every reason."""

    manager_id: UUID | None
    rule: str | None
    strategy: str
    queue: str | None
    verdicts: tuple[Verdict, ...] = ()
    offered: tuple[UUID, ...] = ()
    rules_skipped: tuple[tuple[str, str], ...] = ()
    idle_timeout_seconds: int | None = None
    offer_timeout_seconds: int | None = None

    def reasons(self) -> dict[str, Any]:
        """The decision as plain data, stored on the assignment event."""
        return {
            "rule": self.rule,
            "strategy": self.strategy,
            "queue": self.queue,
            "rules_skipped": [{"rule": name, "why": why} for name, why in self.rules_skipped],
            "candidates": [
                {"manager_id": str(v.manager_id), "name": v.name, "outcome": v.outcome} for v in self.verdicts
            ],
        }


@dataclass(frozen=True)
class Situation:
    """Everything routing looks at besides the lead: rules, teams in order, managers, the time."""

    rules: RuleSet
    teams: Mapping[str, Sequence[UUID]]
    managers: Mapping[UUID, Candidate]
    at: datetime
    tried: frozenset[UUID] = field(default_factory=frozenset)

    @cached_property
    def holiday(self) -> bool:
        """Whether today, in the rules' time zone, is a holiday."""
        return bool(self.rules.holidays) and self.rules.local_time(self.at).date() in self.rules.holidays


def skip_reason(candidate: Candidate, situation: Situation, rule: Rule) -> SkipReason | None:
    """Why this manager cannot take a lead under ``rule`` now, or None if they can."""
    away = None if rule.when_absent else _away(candidate, situation, rule)
    if away is not None:
        return away
    if candidate.open_leads >= candidate.capacity:
        return SkipReason.AT_CAPACITY
    if candidate.manager_id in situation.tried:
        return SkipReason.ALREADY_TRIED
    if rule.strategy is Strategy.WEIGHTED and dict(rule.weights).get(candidate.manager_id, 0) <= 0:
        return SkipReason.NO_WEIGHT
    return None


def _away(candidate: Candidate, situation: Situation, rule: Rule) -> SkipReason | None:
    """Why the manager is not at work now (work day, absence, holiday, hours, console), if they are not."""
    work_day = _WORK_DAY.get(candidate.work_day)
    if work_day is not None:
        return work_day
    hours = candidate.working_hours
    if candidate.absences:
        local_day = situation.at.astimezone(zone(hours.timezone if hours else situation.rules.timezone)).date()
        if any(a.covers(local_day) for a in candidate.absences):
            return SkipReason.ABSENT
    if situation.holiday:
        return SkipReason.HOLIDAY
    if hours is not None and not hours.covers(situation.at):
        return SkipReason.OUTSIDE_WORKING_HOURS
    if rule.require_online and not candidate.online:
        return SkipReason.OFFLINE
    return None


_LIVE_CHAT = Rule(name="live chat", require_online=True)


def can_chat_now(candidate: Candidate, situation: Situation) -> bool:
    """Whether the manager could answer a visitor live now: at work, within hours, console open, under capacity."""
    return _away(candidate, situation, _LIVE_CHAT) is None and candidate.open_leads < candidate.capacity


def decide(lead: LeadFacts, situation: Situation) -> RoutingDecision:
    """Route one lead: the first matching rule, then its strategy among the eligible managers."""
    local = situation.rules.local_time(lead.received_at).time().replace(tzinfo=None)
    skipped: list[tuple[str, str]] = []
    for rule in situation.rules.rules:
        why = rule.conditions.mismatch(lead, local)
        if why is None:
            return _apply(rule, lead, situation, tuple(skipped))
        skipped.append((rule.name, why))
    return RoutingDecision(None, None, "none", None, rules_skipped=tuple(skipped))


def _apply(rule: Rule, lead: LeadFacts, situation: Situation, skipped: tuple[tuple[str, str], ...]) -> RoutingDecision:
    pool = _pool(rule, situation)
    reasons = {c.manager_id: skip_reason(c, situation, rule) for c in pool}
    eligible = [c for c in pool if reasons[c.manager_id] is None]
    responsible = situation.managers.get(lead.responsible_manager_id) if lead.responsible_manager_id else None
    strategy = str(rule.strategy)
    offered: tuple[UUID, ...] = ()
    if rule.return_to_responsible and responsible and skip_reason(responsible, situation, rule) is None:
        chosen: Candidate | None = responsible
        strategy = RETURNED
    elif rule.strategy is Strategy.OFFER_TO_ALL and not lead.offer_expired:
        chosen, offered = None, tuple(c.manager_id for c in eligible)
    elif rule.strategy is Strategy.OFFER_TO_ALL:
        # Nobody accepted in time: the lead is no longer left to whoever takes it first.
        chosen = _choose(replace(rule, strategy=Strategy.EVENLY), lead, eligible)
        strategy = OFFER_EXPIRED
    else:
        chosen = _choose(rule, lead, eligible)
    verdicts = tuple(_verdict(c, reasons[c.manager_id], chosen, offered) for c in pool)
    if chosen is not None and chosen not in pool:
        verdicts = (Verdict(chosen.manager_id, chosen.name, "chosen"), *verdicts)
    return RoutingDecision(
        manager_id=chosen.manager_id if chosen else None,
        rule=rule.name,
        strategy=strategy,
        queue=rule.queue,
        verdicts=verdicts,
        offered=offered,
        rules_skipped=skipped,
        idle_timeout_seconds=rule.idle_timeout_seconds,
        offer_timeout_seconds=rule.offer_timeout_seconds,
    )


def _pool(rule: Rule, situation: Situation) -> list[Candidate]:
    if rule.manager is not None:
        ids: Sequence[UUID] = (rule.manager,)
    elif rule.strategy is Strategy.IN_ORDER and rule.order:
        ids = rule.order
    else:
        ids = situation.teams.get(rule.team or "", ())
    return [situation.managers[i] for i in ids if i in situation.managers]


def _choose(rule: Rule, lead: LeadFacts, eligible: list[Candidate]) -> Candidate | None:
    if not eligible:
        return None
    if rule.strategy is Strategy.IN_ORDER:
        return eligible[0]
    key: Callable[[Candidate], tuple[Any, ...]]
    if rule.strategy is Strategy.LEAST_LOADED:
        key = lambda c: (c.open_leads, _waited(c))  # noqa: E731
    elif rule.strategy is Strategy.WEIGHTED:
        weights = dict(rule.weights)
        key = lambda c: ((c.open_leads + 1) / weights[c.manager_id], _waited(c))  # noqa: E731
    else:
        key = _waited
    best = min(key(c) for c in eligible)
    tied = [c for c in eligible if key(c) == best]
    return tied[0] if len(tied) == 1 else min(tied, key=lambda c: _spread(lead, c))


def _waited(candidate: Candidate) -> tuple[Any, ...]:
    """Never assigned first, then the earliest last assignment."""
    last = candidate.last_assigned_at
    return (last is not None, last or _NEVER)


def _spread(lead: LeadFacts, candidate: Candidate) -> bytes:
    # Ties go to a different manager for each lead, yet the same one for the same lead:
    # never always the same person, and replays decide alike.
    return hashlib.sha256(f"{lead.lead_id}/{candidate.manager_id}".encode()).digest()


def _verdict(
    candidate: Candidate, reason: SkipReason | None, chosen: Candidate | None, offered: tuple[UUID, ...]
) -> Verdict:
    if chosen is not None and candidate.manager_id == chosen.manager_id:
        outcome = "chosen"
    elif reason is not None:
        outcome = f"skipped: {reason}"
    elif candidate.manager_id in offered:
        outcome = "offered"
    else:
        outcome = "eligible, not chosen"
    return Verdict(candidate.manager_id, candidate.name, outcome)
