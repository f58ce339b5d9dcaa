"""Routing policy: pure functions from the managers' state to a decision with reasons."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.manager import WorkDay


class SkipReason(enum.StrEnum):
    """Why a manager could not take a lead."""

    WORK_DAY_NOT_STARTED = "work_day_not_started"
    PAUSED = "paused"
    WORK_DAY_ENDED = "work_day_ended"
    AT_CAPACITY = "at_capacity"


_ABSENCE = {
    WorkDay.NOT_STARTED: SkipReason.WORK_DAY_NOT_STARTED,
    WorkDay.PAUSED: SkipReason.PAUSED,
    WorkDay.ENDED: SkipReason.WORK_DAY_ENDED,
}


_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """What routing needs to know of one manager."""

    manager_id: UUID
    name: str
    work_day: WorkDay
    open_leads: int
    capacity: int
    last_assigned_at: datetime | None


@dataclass(frozen=True)
class Verdict:
    """One candidate as routing saw them: chosen, eligible, or skipped and why."""

    manager_id: UUID
    name: str
    outcome: str


@dataclass(frozen=True)
class RoutingDecision:
    """The manager chosen (or None: the lead waits in the queue) and every reason."""

    manager_id: UUID | None
    rule: str
    strategy: str
    verdicts: tuple[Verdict, ...]

    def reasons(self) -> dict[str, Any]:
        """The decision as plain data, to be stored on the assignment event."""
        return {
            "rule": self.rule,
            "strategy": self.strategy,
            "candidates": [
                {"manager_id": str(v.manager_id), "name": v.name, "outcome": v.outcome} for v in self.verdicts
            ],
        }


def skip_reason(candidate: Candidate) -> SkipReason | None:
    """Why this manager cannot take a lead now, or None if they can."""
    absence = _ABSENCE.get(candidate.work_day)
    if absence is not None:
        return absence
    if candidate.open_leads >= candidate.capacity:
        return SkipReason.AT_CAPACITY
    return None


def route_evenly(candidates: list[Candidate], rule: str = "default") -> RoutingDecision:
    """Choose the eligible manager who has waited longest since their last lead.

    Managers who never had a lead come first; remaining ties keep the team's order.
    """
    eligible = [c for c in candidates if skip_reason(c) is None]
    chosen: Candidate | None = None
    if eligible:
        chosen = min(enumerate(eligible), key=_waited_longest_first)[1]
    verdicts = tuple(
        Verdict(
            manager_id=c.manager_id,
            name=c.name,
            outcome=_outcome(c, chosen),
        )
        for c in candidates
    )
    return RoutingDecision(
        manager_id=chosen.manager_id if chosen else None,
        rule=rule,
        strategy="evenly",
        verdicts=verdicts,
    )


def _waited_longest_first(pair: tuple[int, Candidate]) -> tuple[bool, datetime, int]:
    position, candidate = pair
    last = candidate.last_assigned_at
    return (last is not None, last or _NEVER, position)


def _outcome(candidate: Candidate, chosen: Candidate | None) -> str:
    reason = skip_reason(candidate)
    if reason is not None:
        return f"skipped: {reason}"
    if chosen is not None and candidate.manager_id == chosen.manager_id:
        return "chosen"
    return "eligible, waited less"
